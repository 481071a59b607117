import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { IpcChannel, IpcEvent, IpcEventPayload, IpcInput, IpcOutput, IpcReply, JitHostBridge } from './api.js';
import { IPC_CHANNEL_NAMES, IPC_EVENT_NAMES, IPC_PREFIX } from './channels.js';

// The only bridge into the window: declared channels and events, nothing generic. The names come
// from channels.ts (no zod): a sandboxed preload is one CommonJS file that requires only `electron`,
// and main validates every payload anyway.
const channels = new Set<string>(IPC_CHANNEL_NAMES);
const events = new Set<string>(IPC_EVENT_NAMES);

const bridge: JitHostBridge = {
  platform: process.platform,
  async invoke<C extends IpcChannel>(channel: C, input: IpcInput<C>): Promise<IpcOutput<C>> {
    if (!channels.has(channel)) throw new Error(`unknown host call "${String(channel)}"`);
    const reply = (await ipcRenderer.invoke(IPC_PREFIX + channel, input)) as IpcReply<IpcOutput<C>>;
    if (reply.ok) return reply.value;
    const error = new Error(reply.error.message);
    error.name = reply.error.code;
    throw error;
  },
  on<E extends IpcEvent>(event: E, listener: (payload: IpcEventPayload<E>) => void): () => void {
    if (!events.has(event)) throw new Error(`unknown host event "${String(event)}"`);
    if (typeof listener !== 'function') throw new Error(`host event "${event}" needs a listener function`);
    // The Electron event object (with its sender) never reaches the page.
    const wrapped = (_event: IpcRendererEvent, payload: IpcEventPayload<E>) => listener(payload);
    ipcRenderer.on(IPC_PREFIX + event, wrapped);
    return () => ipcRenderer.removeListener(IPC_PREFIX + event, wrapped);
  },
};

contextBridge.exposeInMainWorld('jitHost', bridge);
