/// <reference lib="webworker" />
/**
 * Reads imported idea files and writes exports off the page's main thread: a 20 MB file parsed and
 * validated on the page would freeze it for seconds.
 */
import './trusted-types';
import * as Comlink from 'comlink';
import { exportList, readListFile } from '../scoring/list-file';
import { installErrorTransfer } from './error-transfer';

const api = { readListFile, exportList };
export type ListFilesApi = typeof api;

installErrorTransfer();
Comlink.expose(api);
