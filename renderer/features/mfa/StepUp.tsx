/**
 * Step-up MFA in the console: one provider per signed-in session (mounted by ConsoleDataProvider)
 * that knows this session's last second factor, asks for a code when a decision needs a fresher
 * one, and sends again the decisions the server refused with mfa_required.
 *
 * For any screen that sends a command under an access policy:
 *
 *   const { ensureFreshFactor } = useStepUp();
 *   if (!(await ensureFreshFactor(requestNeed(resource, policies, `Asking for ${resource.name}`)))) return;
 *   await sendCommand(db, { type: 'request.create', ... });
 *
 * `ensureFreshFactor(null)` (nothing needed) resolves true at once; with no argument it asks for a
 * factor within the default 15 minutes. A refusal that still comes back (the replica's policy was
 * older than the server's, the decision waited offline) opens the same dialog, and the refused
 * commands are sent again with new ids once the code is checked.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Command } from '../../../core/index.js';
import { sendCommand } from '../../db/index.js';
import { useConsoleData, useNewRejections } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { mfaApi, type MfaState } from './mfa-api.js';
import { ANY_POLICY, approvalNeed, isCovered, requestNeed, type StepUpNeed } from './mfa-model.js';
import { StepUpDialog } from './StepUpDialog.js';

export type StepUp = {
  /** This session's two-step verification as the server last said; null until first read (or while offline). */
  state: MfaState | null;
  /** Resolves true once the session's second factor covers `need` (asking for a code if it does not), false when the person cancels or has no authenticator. */
  ensureFreshFactor(need?: StepUpNeed | null): Promise<boolean>;
  /** Reads the state again (after enrolling or removing an authenticator). */
  refresh(): Promise<MfaState | null>;
  /** Records a second factor proved elsewhere (the first code of an enrolment). */
  recordFactor(at: string): void;
};

const StepUpContext = createContext<StepUp | null>(null);

export function useStepUp(): StepUp {
  const value = useContext(StepUpContext);
  if (!value) throw new Error('useStepUp outside StepUpProvider (ConsoleDataProvider mounts it)');
  return value;
}

type Open = { need: StepUpNeed | null; resend: Command[]; settle(ok: boolean): void };

export function StepUpProvider({ children }: { children: ReactNode }) {
  const { serverUrl, token, db, user } = useSession();
  const { commands, pending, policies, resources, users } = useConsoleData();
  const [state, setState] = useState<MfaState | null>(null);
  const [open, setOpen] = useState<Open | null>(null);
  const latest = useRef<MfaState | null>(null);
  const asking = useRef<Promise<boolean> | null>(null);
  latest.current = state;

  const refresh = useCallback(async () => {
    try {
      const next = await mfaApi.state(serverUrl, token);
      setState(next);
      return next;
    } catch {
      return latest.current;
    }
  }, [serverUrl, token]);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const recordFactor = useCallback((at: string) => setState((s) => (s ? { ...s, secondFactorAt: at, lockedUntil: null } : s)), []);

  /** Opens the dialog, or adds to the one open; resolves with how it was closed. */
  const ask = useCallback((need: StepUpNeed | null, resend: Command[]) => {
    return new Promise<boolean>((resolve) => {
      setOpen((current) => {
        if (!current) return { need, resend, settle: resolve };
        const settle = current.settle;
        return {
          need: current.need ?? need,
          resend: [...current.resend, ...resend],
          settle: (ok) => {
            settle(ok);
            resolve(ok);
          },
        };
      });
    });
  }, []);

  const ensureFreshFactor = useCallback(
    async (need?: StepUpNeed | null): Promise<boolean> => {
      if (need === null) return true;
      const wanted = need ?? { policy: ANY_POLICY, action: 'approve' as const };
      if (isCovered(wanted, latest.current?.secondFactorAt ?? null, new Date())) return true;
      // Several decisions at once (bulk approval, keys pressed fast) share one prompt.
      if (asking.current) {
        const ok = await asking.current;
        return ok && isCovered(wanted, latest.current?.secondFactorAt ?? null, new Date());
      }
      if (latest.current === null) await refresh();
      const pending = ask(wanted, []);
      asking.current = pending;
      try {
        return await pending;
      } finally {
        asking.current = null;
      }
    },
    [ask, refresh],
  );

  /** What a refused command was, in the dialog's words, from the replica (null when it is not known here). */
  const needOf = (command: Command): StepUpNeed | null => {
    const payload = command.payload as { requestId?: string; resourceId?: string };
    if (command.type === 'request.approve') {
      const request = pending.find((r) => r.id === payload.requestId);
      return request ? approvalNeed(request, policies, `Approving ${users.get(request.requesterId)?.displayName ?? 'this'}’s request for ${resources.get(request.resourceId)?.name ?? request.resourceId}`) : null;
    }
    if (command.type === 'request.create') {
      const resource = resources.get(payload.resourceId ?? '');
      return requestNeed(resource, policies, `Asking for ${resource?.name ?? 'this access'}`);
    }
    return null;
  };

  // Decisions from this device the server refused for want of a second factor: ask, then send them again.
  useNewRejections((results) => {
    const refused = results.filter((r) => r.code === 'mfa_required').map((r) => commands.get(r.commandId)).filter((c): c is Command => c !== undefined);
    if (refused.length > 0) void ask(refused.length === 1 ? needOf(refused[0] as Command) : null, refused);
  });

  const close = (ok: boolean) => {
    open?.settle(ok);
    setOpen(null);
  };

  const verify = async (code: string) => {
    try {
      const answer = await mfaApi.stepUp(serverUrl, token, code);
      setState((s) => (s ? { ...s, secondFactorAt: answer.secondFactorAt, recoveryCodesLeft: answer.recoveryCodesLeft, lockedUntil: null } : s));
      latest.current = latest.current ? { ...latest.current, secondFactorAt: answer.secondFactorAt } : latest.current;
    } catch (error) {
      if ((error as { status?: number }).status === 429) void refresh();
      throw error;
    }
    // New ids: a command's first result stands, so the refused ones are sent as new commands.
    for (const command of open?.resend ?? []) {
      await sendCommand(db, { type: command.type, actorId: user.id, payload: command.payload as never, baseRevision: command.baseRevision });
    }
    close(true);
  };

  const value = useMemo<StepUp>(() => ({ state, ensureFreshFactor, refresh, recordFactor }), [state, ensureFreshFactor, refresh, recordFactor]);
  return (
    <StepUpContext.Provider value={value}>
      {children}
      <StepUpDialog prompt={open ? { need: open.need, resendCount: open.resend.length } : null} state={state} onVerify={verify} onCancel={() => close(false)} onQueueOffline={() => close(true)} />
    </StepUpContext.Provider>
  );
}
