import { beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_CONTRACT, IPC_EVENTS } from '../preload/api.js';
import { IPC_CHANNEL_NAMES, IPC_EVENT_NAMES } from '../preload/channels.js';

// The preload runs against a mocked electron: what it exposes is what a page can reach.
const exposed: Record<string, unknown> = {};
const invoke = vi.fn();
const on = vi.fn();
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  ipcRenderer: { invoke, on, removeListener: vi.fn() },
}));

type Bridge = { invoke(channel: string, input: unknown): Promise<unknown>; on(event: string, cb: (p: unknown) => void): () => void };

describe('preload bridge', () => {
  beforeEach(async () => {
    vi.resetModules();
    invoke.mockReset();
    await import('../preload/index.js');
  });

  it('knows exactly the channels and events of the contract (its names come from a zod-free list)', () => {
    expect([...IPC_CHANNEL_NAMES].sort()).toEqual(Object.keys(IPC_CONTRACT).sort());
    expect([...IPC_EVENT_NAMES].sort()).toEqual(Object.keys(IPC_EVENTS).sort());
  });

  it('exposes only invoke, on and the platform', () => {
    expect(Object.keys(exposed.jitHost as object).sort()).toEqual(['invoke', 'on', 'platform']);
  });

  it('forwards declared channels with the prefix and unwraps the reply', async () => {
    invoke.mockResolvedValue({ ok: true, value: { token: 't' } });
    await expect((exposed.jitHost as Bridge).invoke('token.get', {})).resolves.toEqual({ token: 't' });
    expect(invoke).toHaveBeenCalledWith('jit:token.get', {});
  });

  it('refuses undeclared channels without sending anything', async () => {
    await expect((exposed.jitHost as Bridge).invoke('shell.openPath', { path: '/' })).rejects.toThrow(/unknown host call/);
    expect(invoke).not.toHaveBeenCalled();
    expect(() => (exposed.jitHost as Bridge).on('anything', () => {})).toThrow(/unknown host event/);
  });

  it('turns an error reply into a thrown error with its code', async () => {
    invoke.mockResolvedValue({ ok: false, error: { code: 'forbidden_sender', message: 'refused' } });
    await expect((exposed.jitHost as Bridge).invoke('token.get', {})).rejects.toMatchObject({ name: 'forbidden_sender', message: 'refused' });
  });
});
