import { z } from 'zod';
import { IPC_CHANNEL_NAMES, IPC_EVENT_NAMES, IPC_PREFIX } from './channels.js';

export { IPC_CHANNEL_NAMES, IPC_EVENT_NAMES, IPC_PREFIX };

/**
 * The one IPC contract between the renderer and Electron's main process. Main registers a handler
 * per declared channel; the preload exposes only `invoke(name, input)` for these names and `on(event, cb)`
 * for the declared events. This file is imported by main, preload and renderer alike, so it stays
 * free of Node and Electron imports.
 */

export const ThemePreference = z.enum(['system', 'light', 'dark']);
export type ThemePreference = z.infer<typeof ThemePreference>;

/** Loopback hosts, where plain http never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** The sync server's address: https, or plain http only on this machine (bearer tokens travel on it). */
export function isAcceptableServerUrl(value: string): boolean {
  try {
    const url = new URL(value);
    if (url.hostname === '' || url.username !== '' || url.password !== '') return false;
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  } catch {
    return false;
  }
}

const httpUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

/**
 * The desktop app is stricter than the web console: the web console talks to the origin it was
 * loaded from (already http or https), while the desktop app sends its token wherever it is told.
 */
const desktopServerUrl = z
  .string()
  .max(2048)
  .refine(isAcceptableServerUrl, 'must be an https URL (plain http only for localhost, 127.x.x.x or [::1])');

export const WindowBounds = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(400).max(20000),
  height: z.number().int().min(300).max(20000),
});
export type WindowBounds = z.infer<typeof WindowBounds>;

/** The signed-in user remembered between launches so the console opens offline. */
export const RememberedUser = z.object({
  id: z.string().min(1).max(128),
  displayName: z.string().max(256),
  roles: z.array(z.string().max(64)).max(16),
});
export type RememberedUser = z.infer<typeof RememberedUser>;

export const HostSettings = z.object({
  serverUrl: httpUrl.nullable(),
  theme: ThemePreference,
  lastUsername: z.string().max(256),
  user: RememberedUser.nullable(),
  windowBounds: WindowBounds.nullable(),
});
export type HostSettings = z.infer<typeof HostSettings>;

/** What the desktop app stores: the same settings with the stricter server address rule. */
export const DesktopHostSettings = HostSettings.extend({ serverUrl: desktopServerUrl.nullable() });

export const DEFAULT_SETTINGS: HostSettings = { serverUrl: null, theme: 'system', lastUsername: '', user: null, windowBounds: null };

/** The part of the settings the renderer may change; window bounds belong to main. Unknown fields are refused by name. */
export const SettingsPatch = HostSettings.omit({ windowBounds: true }).partial().strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

const Empty = z.object({}).strict();
const Done = z.object({ ok: z.literal(true) });
const Saved = z.object({ saved: z.boolean(), path: z.string().nullable() });
const fileName = z
  .string()
  .min(1)
  .max(200)
  .refine((name) => !/[/\\:*?"<>|]/.test(name) && ![...name].some((ch) => ch.charCodeAt(0) < 0x20), 'must be a plain file name without a folder');

export const IPC_CONTRACT = {
  'settings.get': { input: Empty, output: HostSettings },
  'settings.set': { input: SettingsPatch, output: HostSettings },
  'token.get': { input: Empty, output: z.object({ token: z.string().nullable() }) },
  'token.set': { input: z.object({ token: z.string().min(1).max(4096) }).strict(), output: Done },
  'token.clear': { input: Empty, output: Done },
  'file.save': {
    input: z
      .object({
        suggestedName: fileName,
        // Bytes for a binary file (an evidence pack's zip), which IPC carries as a Uint8Array.
        content: z.union([z.string().max(50_000_000), z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'text or bytes').refine((b) => b.length <= 200_000_000, 'at most 200 MB')]),
        mimeType: z.string().max(128),
      })
      .strict(),
    output: Saved,
  },
  'file.printToPdf': { input: z.object({ suggestedName: fileName }).strict(), output: Saved },
  notify: { input: z.object({ title: z.string().min(1).max(256), body: z.string().max(1024) }).strict(), output: z.object({ shown: z.boolean() }) },
  'badge.set': { input: z.object({ count: z.number().int().min(0).max(1_000_000) }).strict(), output: Done },
  /** Single sign-on in the system browser with a loopback redirect (main/sso-loopback.ts), against the server in the settings. */
  'sso.signIn': {
    input: Empty,
    output: z.object({
      token: z.string().min(1).max(4096),
      expiresAt: z.string(),
      user: z.object({ id: z.string(), displayName: z.string(), roles: z.array(z.string()) }),
      secondFactorAt: z.string().nullable(),
    }),
  },
} as const;

export type IpcChannel = keyof typeof IPC_CONTRACT;
export type IpcInput<C extends IpcChannel> = z.input<(typeof IPC_CONTRACT)[C]['input']>;
export type IpcOutput<C extends IpcChannel> = z.output<(typeof IPC_CONTRACT)[C]['output']>;

/** Events main sends to the window. */
export const IPC_EVENTS = {
  /** The OS notification for new requests was clicked: show the queue. */
  'queue.focus': z.object({}),
  'settings.changed': HostSettings,
} as const;

export type IpcEvent = keyof typeof IPC_EVENTS;
export type IpcEventPayload<E extends IpcEvent> = z.output<(typeof IPC_EVENTS)[E]>;

// Compile-time proof that the wire names in channels.ts are exactly the contract's: adding a channel
// to one and not the other fails the typecheck.
type SameNames<A extends string, B extends string> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type MustBeTrue<T extends true> = T;
export type _ChannelNamesMatchContract = MustBeTrue<SameNames<(typeof IPC_CHANNEL_NAMES)[number], IpcChannel>>;
export type _EventNamesMatchContract = MustBeTrue<SameNames<(typeof IPC_EVENT_NAMES)[number], IpcEvent>>;

/** Errors cross the bridge as plain data; Electron strips custom error fields. */
export type IpcReply<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** What the preload puts on `window.jitHost`. */
export interface JitHostBridge {
  readonly platform: string;
  invoke<C extends IpcChannel>(channel: C, input: IpcInput<C>): Promise<IpcOutput<C>>;
  on<E extends IpcEvent>(event: E, listener: (payload: IpcEventPayload<E>) => void): () => void;
}
