/**
 * The audit trail's REST endpoints: verify (the chain, every signed checkpoint and the stored state
 * against the log), the public key consoles and auditors verify checkpoints with, and the status an
 * admin or a monitor reads (the start check's alerts, the last checkpoint).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireEndpoint } from '../http/auth.js';
import { checkpointsAfter } from './checkpoint-store.js';
import type { AuditTrail } from './index.js';

const secured = [{ bearerAuth: [] as string[] }];
const Checkpoint = z.object({ seq: z.number(), hash: z.string(), at: z.string(), keyId: z.string(), signature: z.string() });
const PublicKey = z.object({ algorithm: z.literal('Ed25519'), keyId: z.string(), publicKey: z.string(), publicKeyPem: z.string() });
const Alert = z.object({ kind: z.string(), message: z.string(), subject: z.object({ type: z.string(), id: z.string() }), at: z.string().optional() });

export function registerAuditRoutes(root: FastifyInstance, deps: { audit: AuditTrail }): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { audit } = deps;

  app.get('/api/v1/audit/verify', {
    schema: {
      tags: ['audit'],
      summary: 'Verify the audit hash chain, its signed checkpoints and the stored accounts and grants against it (auditor, admin)',
      description:
        'ok is false when an event was edited or removed (firstProblem names it), when history before a signed checkpoint was rewritten and re-hashed, when the last events before a checkpoint were removed, or when an account or grant differs from what the log says (mismatches).',
      security: secured,
      response: {
        200: z.object({
          ok: z.boolean(),
          events: z.number(),
          headSeq: z.number(),
          headHash: z.string(),
          firstProblem: z.object({ seq: z.number(), eventId: z.string(), problem: z.string() }).optional(),
          message: z.string().optional(),
          checkpoints: z.number(),
          signedUpTo: Checkpoint.nullable(),
          unsignedTail: z.number(),
          keyId: z.string(),
          problems: z.array(z.object({ kind: z.string(), seq: z.number(), eventId: z.string().optional(), message: z.string() })),
          mismatches: z.array(z.object({ kind: z.string(), message: z.string() }).passthrough()),
        }),
      },
    },
    handler: async (request) => {
      requireEndpoint(request, 'GET /api/v1/audit/verify', 'verifying the audit log');
      const { verification: v, mismatches } = await audit.verify();
      const first = v.problems[0];
      return {
        ok: v.ok && mismatches.length === 0,
        events: v.events,
        headSeq: v.headSeq,
        headHash: v.headHash,
        ...(first ? { firstProblem: { seq: first.seq, eventId: first.eventId ?? `ae-${first.seq}`, problem: first.kind === 'chain' && !v.chain.ok ? v.chain.firstProblem.problem : first.kind }, message: first.message } : {}),
        ...(!first && mismatches[0] ? { message: mismatches[0].message } : {}),
        checkpoints: v.checkpoints,
        signedUpTo: v.signedUpTo,
        unsignedTail: v.unsignedTail,
        keyId: audit.signer.keyId,
        problems: v.problems,
        mismatches,
      };
    },
  });

  app.get('/api/v1/audit/public-key', {
    schema: {
      tags: ['audit'],
      summary: "The audit signing key's public half: checkpoints verify offline with it (signed in)",
      description: 'Ed25519; publicKey is the 32 raw bytes in base64 (WebCrypto importKey "raw"), publicKeyPem the same key as SPKI PEM. The signed message is core/audit/checkpoint.ts checkpointMessage.',
      security: secured,
      response: { 200: PublicKey },
    },
    handler: async (request) => {
      requireEndpoint(request, 'GET /api/v1/audit/public-key', 'reading the audit public key');
      return audit.status().publicKey;
    },
  });

  app.get('/api/v1/audit/checkpoints', {
    schema: {
      tags: ['audit'],
      summary: 'Signed checkpoints after a sequence, oldest first (signed in): a console keeps those it has seen and checks later histories extend them',
      description: 'Page with after = the last seq received; an empty list means none newer. Each verifies offline with GET /api/v1/audit/public-key.',
      security: secured,
      querystring: z.object({ after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(1000) }),
      response: { 200: z.object({ checkpoints: z.array(Checkpoint), keyId: z.string() }) },
    },
    handler: async (request) => {
      requireEndpoint(request, 'GET /api/v1/audit/checkpoints', 'reading audit checkpoints');
      return { checkpoints: checkpointsAfter(audit.db, request.query.after, request.query.limit), keyId: audit.signer.keyId };
    },
  });

  app.get('/api/v1/audit/status', {
    schema: {
      tags: ['audit'],
      summary: "The audit trail's state: the start check's integrity alerts, the last signed checkpoint, the checkpoint rules (admin, auditor)",
      security: secured,
      response: {
        200: z.object({
          alert: z.boolean(),
          alerts: z.array(Alert),
          strict: z.boolean(),
          rules: z.object({ everyEvents: z.number(), everyMinutes: z.number() }),
          lastCheckpoint: Checkpoint.nullable(),
          publicKey: PublicKey,
        }),
      },
    },
    handler: async (request) => {
      requireEndpoint(request, 'GET /api/v1/audit/status', 'reading the audit status');
      const status = audit.status();
      return { ...status, alerts: [...status.alerts] };
    },
  });
}
