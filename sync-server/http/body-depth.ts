import type { FastifyInstance } from 'fastify';
import { MAX_PAYLOAD_DEPTH, nestingDepth } from '../commands/hostile-input.js';
import { ApiError } from './errors.js';

/**
 * Refuses a JSON body that nests deeper than `maxDepth` levels with a 400, before any route reads
 * it: no route takes more than a few levels, and deeper ones only serve to overflow recursive code.
 */
export function installBodyDepthLimit(app: FastifyInstance, maxDepth = MAX_PAYLOAD_DEPTH): void {
  app.addHook('preValidation', async (request) => {
    const body: unknown = request.body;
    if (body === null || typeof body !== 'object') return;
    if (nestingDepth(body, maxDepth + 1) > maxDepth) throw new ApiError(400, 'invalid_input', `body: nests deeper than ${maxDepth} levels`, 'body');
  });
}
