/**
 * The audit explorer's index, off the page's main thread: built and queried here, so indexing a
 * million events never holds up a click or a keystroke (index-protocol.ts says what it answers).
 */
import { serveIndex, type FromIndex, type ToIndex } from './index-protocol.js';

type WorkerScope = { onmessage: ((event: MessageEvent<ToIndex>) => void) | null; postMessage(message: FromIndex, transfer?: ArrayBuffer[]): void };
const scope = self as unknown as WorkerScope;

const server = serveIndex((message, transfer) => scope.postMessage(message, transfer ?? []));
scope.onmessage = (event) => server.receive(event.data);
