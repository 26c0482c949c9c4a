import * as Comlink from 'comlink';
import { ModelError } from '../models/model-error';

type ThrowHandler = Comlink.TransferHandler<{ value: unknown }, unknown>;

interface SerializedThrow {
  readonly isError: boolean;
  readonly value: { message?: string; name?: string; stack?: string; code?: unknown } | unknown;
}

/**
 * Makes a ModelError cross a Comlink boundary as a ModelError (its code included); Comlink's own handler
 * sends every Error as a plain one with a message and a name. Both sides of every worker call this.
 */
export function installErrorTransfer(): void {
  const builtIn = Comlink.transferHandlers.get('throw') as ThrowHandler & { readonly referee?: true };
  if (builtIn.referee) return;
  const handler: ThrowHandler & { readonly referee: true } = {
    referee: true,
    canHandle: builtIn.canHandle,
    serialize(thrown) {
      const [serialized, transfer] = builtIn.serialize(thrown) as [SerializedThrow, Transferable[]];
      if (thrown.value instanceof ModelError) return [{ ...serialized, value: { ...(serialized.value as object), code: thrown.value.code } }, transfer];
      return [serialized, transfer];
    },
    deserialize(serialized) {
      const { isError, value } = serialized as SerializedThrow;
      const error = isError ? ModelError.fromFields(value as { name?: unknown; code?: unknown; message?: unknown }) : null;
      if (error) {
        error.stack = (value as { stack?: string }).stack ?? error.stack;
        throw error;
      }
      return builtIn.deserialize(serialized);
    },
  };
  Comlink.transferHandlers.set('throw', handler);
}
