import { describe, expect, it, vi } from 'vitest';
import { IPC_CONTRACT } from '../../preload/api.js';
import { IpcRegistry, type IpcCaller } from './registry.js';

const trusted = { frameUrl: 'app://console/index.html', isMainFrame: true };
const onlyConsole = ({ frameUrl, isMainFrame }: IpcCaller) => isMainFrame && frameUrl.startsWith('app://console/');

describe('IpcRegistry', () => {
  it('refuses to register a channel twice', () => {
    const registry = new IpcRegistry(onlyConsole).handle('badge.set', () => ({ ok: true as const }));
    expect(() => registry.handle('badge.set', () => ({ ok: true as const }))).toThrow(/already registered/);
  });

  it('refuses a channel the contract does not declare', () => {
    const registry = new IpcRegistry(onlyConsole);
    // @ts-expect-error: the name is not in the contract, which is the point.
    expect(() => registry.handle('shell.exec', () => ({}))).toThrow(/not declared/);
  });

  it('lists declared channels that still lack a handler', () => {
    const registry = new IpcRegistry(onlyConsole).handle('token.clear', () => ({ ok: true as const }));
    expect(registry.missingChannels()).not.toContain('token.clear');
    expect(registry.missingChannels()).toHaveLength(Object.keys(IPC_CONTRACT).length - 1);
  });

  it('validates the input before the handler runs and names the field', async () => {
    const handler = vi.fn(() => ({ ok: true as const }));
    const registry = new IpcRegistry(onlyConsole).handle('badge.set', handler);
    const reply = await registry.dispatch('badge.set', { count: -3 }, trusted);
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(!reply.ok && reply.error.message).toMatch(/count/);
    expect(handler).not.toHaveBeenCalled();
  });

  it('rejects extra fields on strict inputs', async () => {
    const registry = new IpcRegistry(onlyConsole).handle('token.clear', () => ({ ok: true as const }));
    const reply = await registry.dispatch('token.clear', { everything: true }, trusted);
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('refuses messages from frames outside the console before validating anything', async () => {
    const handler = vi.fn(() => ({ ok: true as const }));
    const registry = new IpcRegistry(onlyConsole).handle('badge.set', handler);
    const reply = await registry.dispatch('badge.set', { count: 1 }, { frameUrl: 'https://evil.example/', isMainFrame: true });
    expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    const fromSubframe = await registry.dispatch('badge.set', { count: 1 }, { frameUrl: 'app://console/index.html', isMainFrame: false });
    expect(fromSubframe).toMatchObject({ ok: false, error: { code: 'forbidden_sender', message: expect.stringContaining('subframe') } });
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers unknown channels with an error instead of throwing', async () => {
    const registry = new IpcRegistry(onlyConsole);
    await expect(registry.dispatch('fs.readFile', {}, trusted)).resolves.toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
  });

  it('checks the handler output against the contract', async () => {
    // @ts-expect-error: a handler returning the wrong shape is what is tested.
    const registry = new IpcRegistry(onlyConsole).handle('token.get', () => ({ token: 42 }));
    await expect(registry.dispatch('token.get', {}, trusted)).resolves.toMatchObject({ ok: false, error: { code: 'invalid_output' } });
  });

  it('turns a failing handler into an error reply naming the channel', async () => {
    const registry = new IpcRegistry(onlyConsole).handle('notify', () => {
      throw new Error('notifications are off');
    });
    const reply = await registry.dispatch('notify', { title: 'New requests', body: '' }, trusted);
    expect(reply).toEqual({ ok: false, error: { code: 'handler_failed', message: 'notify failed: notifications are off' } });
  });

  it('passes the parsed input and answers the value', async () => {
    const registry = new IpcRegistry(onlyConsole).handle('badge.set', ({ count }) => {
      expect(count).toBe(7);
      return { ok: true as const };
    });
    await expect(registry.dispatch('badge.set', { count: 7 }, trusted)).resolves.toEqual({ ok: true, value: { ok: true } });
  });
});
