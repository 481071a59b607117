import type { z } from 'zod';
import { IPC_CONTRACT, type IpcChannel, type IpcInput, type IpcOutput, type IpcReply } from '../../preload/api.js';

/** What a handler learns about the caller: the frame that sent the message (empty URL when it is gone). */
export type IpcCaller = { frameUrl: string; isMainFrame: boolean };

export type IpcHandler<C extends IpcChannel> = (input: z.output<(typeof IPC_CONTRACT)[C]['input']>, caller: IpcCaller) => Promise<IpcOutput<C>> | IpcOutput<C>;

type Contract = Record<string, { input: z.ZodType; output: z.ZodType }>;

export class IpcError extends Error {
  constructor(
    readonly code: 'unknown_channel' | 'forbidden_sender' | 'invalid_input' | 'invalid_output' | 'handler_failed',
    message: string,
  ) {
    super(message);
    this.name = 'IpcError';
  }
}

function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
}

/**
 * Typed handler registry over the declared contract. Registering a name twice, or a name the
 * contract does not declare, throws. `dispatch` checks the sender, validates the input before the
 * handler sees it and the output before the window sees it, and never throws: it answers an IpcReply.
 */
export class IpcRegistry {
  private readonly handlers = new Map<string, (input: unknown, caller: IpcCaller) => unknown>();

  constructor(
    private readonly isTrustedSender: (caller: IpcCaller) => boolean,
    private readonly contract: Contract = IPC_CONTRACT,
  ) {}

  handle<C extends IpcChannel>(channel: C, handler: IpcHandler<C>): this {
    if (!(channel in this.contract)) throw new IpcError('unknown_channel', `"${channel}" is not declared in the IPC contract`);
    if (this.handlers.has(channel)) throw new IpcError('unknown_channel', `a handler for "${channel}" is already registered`);
    this.handlers.set(channel, handler as (input: unknown, caller: IpcCaller) => unknown);
    return this;
  }

  registeredChannels(): string[] {
    return [...this.handlers.keys()];
  }

  /** Channels declared in the contract with no handler: main should register every one at start. */
  missingChannels(): string[] {
    return Object.keys(this.contract).filter((c) => !this.handlers.has(c));
  }

  async dispatch<C extends IpcChannel>(channel: C | string, rawInput: unknown, caller: IpcCaller): Promise<IpcReply<IpcOutput<C>>> {
    try {
      return { ok: true, value: (await this.run(channel, rawInput, caller)) as IpcOutput<C> };
    } catch (error) {
      if (error instanceof IpcError) return { ok: false, error: { code: error.code, message: error.message } };
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, error: { code: 'handler_failed', message: `${channel} failed: ${message}` } };
    }
  }

  private async run(channel: string, rawInput: unknown, caller: IpcCaller): Promise<unknown> {
    if (!this.isTrustedSender(caller)) {
      const where = !caller.frameUrl ? 'a frame that no longer exists' : caller.isMainFrame ? caller.frameUrl : `a subframe at ${caller.frameUrl}`;
      throw new IpcError('forbidden_sender', `refused "${channel}" from a frame outside the console (${where})`);
    }
    const spec = this.contract[channel];
    const handler = this.handlers.get(channel);
    if (!spec || !handler) throw new IpcError('unknown_channel', `"${channel}" is not a host call`);
    const input = spec.input.safeParse(rawInput ?? {});
    if (!input.success) throw new IpcError('invalid_input', `${channel}: ${describeZodError(input.error)}`);
    const output = spec.output.safeParse(await handler(input.data, caller));
    if (!output.success) throw new IpcError('invalid_output', `${channel} produced an invalid answer: ${describeZodError(output.error)}`);
    return output.data;
  }
}

/** For tests and callers that want the typed input of a channel. */
export type { IpcInput };
