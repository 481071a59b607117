/**
 * The names on the IPC wire, without their schemas. The sandboxed preload needs only these, so it
 * imports this file and not api.ts: the preload bundle stays a couple of kilobytes with no zod in it.
 * api.ts checks at compile time that these lists and its contract name the same channels and events.
 */

export const IPC_CHANNEL_NAMES = [
  'settings.get',
  'settings.set',
  'token.get',
  'token.set',
  'token.clear',
  'file.save',
  'file.printToPdf',
  'notify',
  'badge.set',
  'sso.signIn',
] as const;

export const IPC_EVENT_NAMES = ['queue.focus', 'settings.changed'] as const;

/** IPC channel names are prefixed on the wire so nothing else on ipcMain collides with them. */
export const IPC_PREFIX = 'jit:';
