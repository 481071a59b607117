import type { Failure } from '../connectors/entra/graph-http.js';

/** A person's attributes as a directory gives them; absent: not in this answer (a delta names only some). */
export type PersonFields = {
  displayName?: string;
  mail?: string;
  userPrincipalName?: string;
  department?: string;
  jobTitle?: string;
  employeeType?: string;
  enabled?: boolean;
};

export type PersonEntry =
  | {
      objectId: string;
      removed?: undefined;
      fields: PersonFields;
      /** The manager's object id; null: none; undefined: not in this answer. */
      managerObjectId?: string | null;
    }
  /**
   * Gone from the directory: `deleted` for good, `soft` (Entra's reason "changed": restorable for 30
   * days). `relisted`: a whole listing of the directory's deleted objects (AD's tombstones in a full
   * round) names it again, so an object already marked removed is left as it is.
   */
  | { objectId: string; removed: 'deleted' | 'soft'; relisted?: boolean };

export type GroupEntry = {
  objectId: string;
  removed?: boolean;
  displayName?: string;
  description?: string;
  /** Members added (and removed) in this answer; `replace`: the list is the whole membership. */
  members?: { added: string[]; removed: string[]; replace: boolean };
};

/** A service identity (an Entra service principal) with the object ids of its owners, read whole each time. */
export type ServiceEntry = { objectId: string; displayName: string; appId: string; enabled: boolean; ownerObjectIds: string[] };

/** One page of a source: what to apply, and where the next page starts. */
export type SourcePage = {
  people: PersonEntry[];
  groups: GroupEntry[];
  /** Service identities on this page (absent: none). */
  services?: ServiceEntry[];
  /** The round's whole listing of service identities ended on this page: those known and not listed are gone. */
  servicesComplete?: boolean;
  /** The cursor to store with this page; the next call starts there. */
  cursor: SourceCursor;
  /** The round is over: the cursor now holds the marker for the next round's changes. */
  done: boolean;
  /** This page belongs to a full round (everything listed), not a delta. */
  full: boolean;
  /** What the round could not read, in words, for the change report (AD: deleted objects the account may not list). */
  warnings?: string[];
};

/** Opaque to the runner; each source keeps its own shape (links, markers). JSON-serialisable. */
export type SourceCursor = Record<string, unknown>;

export type PageResult = { ok: true; page: SourcePage } | { ok: false; failure: Failure };

/** A directory the sync reads people and groups from, one page at a time. */
export interface DirectorySource {
  readonly connectorId: string;
  readonly kind: 'entra' | 'ad';
  /** The page at `cursor` (an empty cursor: start, from the stored marker or from scratch). */
  nextPage(cursor: SourceCursor): Promise<PageResult>;
}
