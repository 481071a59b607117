import type { ErrorCode } from '../schema/command.js';

export type Ok<T> = { ok: true; value: T };
export type Err = { ok: false; code: ErrorCode; message: string };
export type Result<T> = Ok<T> | Err;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = (code: ErrorCode, message: string): Err => ({ ok: false, code, message });

/** Engine functions never read the clock: the caller passes it. */
export type EngineContext = { now: Date };
