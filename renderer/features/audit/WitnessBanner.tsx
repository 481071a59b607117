import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { requestJson } from '../../session/api-client.js';
import { readCached, writeCached } from '../../session/offline-cache.js';
import { accountPrefix } from '../../session/replica.js';
import { useSession } from '../../session/session.js';
import { Icon } from '../../ui/ui.js';
import { useSeenCheckpoints } from '../evidence/signed-checkpoints.js';
import { tamperAlarmWords, witnessServerHistory, type WitnessVerdict } from './witness.js';

/** Who is shown the alarm: those who answer for the log. */
const WITNESS_ROLES: readonly string[] = ['admin', 'auditor'];
const ALARM_CACHE = 'audit-tamper-alarm';
const CHECK_EVERY_MS = 5 * 60_000;

/** The tamper alarm (witness.ts) as a banner above every screen, for admins and auditors. */
export function WitnessBanner() {
  const { user } = useSession();
  return user.roles.some((role) => WITNESS_ROLES.includes(role)) ? <TamperAlarm /> : null;
}

function TamperAlarm() {
  const { serverUrl, token, user } = useSession();
  const prefix = accountPrefix(serverUrl, user.id);
  const seen = useSeenCheckpoints();
  // Once raised, the alarm stays on this device (offline too) until its replica is removed: a later honest answer does not undo a rewrite seen.
  const [raised, setRaised] = useState<WitnessVerdict | null>(() => readCached<WitnessVerdict>(prefix, ALARM_CACHE)?.value ?? null);
  const latest = seen.checkpoints.at(-1)?.seq ?? 0;
  const check = useQuery({
    queryKey: ['audit-witness', serverUrl, latest],
    queryFn: () => witnessServerHistory(async (path) => (await requestJson(serverUrl, path, { token })).body, seen.checkpoints),
    enabled: latest > 0,
    retry: false,
    refetchInterval: CHECK_EVERY_MS,
  });
  useEffect(() => {
    if (!check.data || check.data.problems.length === 0) return;
    writeCached(prefix, ALARM_CACHE, check.data);
    setRaised(check.data);
  }, [check.data, prefix]);
  const words = raised ? tamperAlarmWords(raised) : null;
  if (!words) return null;
  return (
    <div className="notice danger" role="alert" data-testid="tamper-alarm">
      <Icon name="alert" />
      {words}
    </div>
  );
}
