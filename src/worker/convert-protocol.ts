import type { ConversionFigures, ConversionProgress } from '../models/conversion';
import { type QuantizedDtype } from '../models/types';

export interface ConvertRequest {
  /** The source as the user typed it: a repo id, a URL or a folder this site serves. */
  readonly source: string;
  /** `auto`: q4f16 where this browser's GPU has shader-f16, else q4 (what loading would pick). */
  readonly dtype: QuantizedDtype | 'auto';
  /** The page's `navigator.storage.estimate()`. */
  readonly storage?: { readonly quota?: number; readonly usage?: number };
}

export interface ConversionPlanInfo {
  readonly name: string;
  readonly dtype: QuantizedDtype;
  readonly figures: ConversionFigures;
  /** Weight bytes an interrupted earlier run already converted and kept. */
  readonly keptBytes: number;
  readonly description: string;
  /** Why it cannot start (not enough room), or null. */
  readonly refusal: string | null;
}

export interface ConversionDone {
  /** The source text that loads the result: `local:<name>`. */
  readonly source: string;
  readonly dtype: QuantizedDtype;
  readonly resumed: boolean;
  readonly seconds: number;
}

export interface ConvertWorkerApi {
  plan(request: ConvertRequest): Promise<ConversionPlanInfo>;
  convert(request: ConvertRequest, onProgress: (progress: ConversionProgress) => void): Promise<ConversionDone>;
}
