/**
 * The resource form without React: the draft, the resource it stands for (core Resource schema
 * and resourceFieldProblems, the checks the server refuses with), and what the kind decides: its
 * connector and which target fields it has. Connector secrets are never part of a resource.
 */
import { CONNECTOR_OF_KIND, Resource, resourceFieldProblems, type ResourceKind, type Sensitivity } from '../../../core/index.js';
import { addProblems, schemaProblems, type Problems } from './form-fields.js';

export type ResourceDraft = {
  id: string;
  name: string;
  description: string;
  kind: ResourceKind;
  connectorId: string;
  externalId: string;
  directoryScopeId: string;
  accessId: '' | 'member' | 'owner';
  ownerId: string;
  sensitivity: Sensitivity;
  policyIds: string[];
  conflictsWith: string[];
  archived: boolean;
};

export type ResourcePayload = Omit<Resource, 'changedBy' | 'updatedAt'>;

export const KIND_TARGET: Record<ResourceKind, { externalId: string; example: string; scope: boolean; access: boolean }> = {
  entra_group: { externalId: 'Entra group object id', example: '6a1f1c3e-0000-4000-8000-000000000101', scope: false, access: false },
  entra_role: { externalId: 'Role definition id', example: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', scope: true, access: false },
  entra_pim_group: { externalId: 'PIM group object id', example: '6a1f1c3e-0000-4000-8000-000000000102', scope: false, access: true },
  ad_group: { externalId: 'Group distinguished name', example: 'CN=Server-Admins,OU=Groups,DC=example,DC=com', scope: false, access: false },
  manual_role: { externalId: 'Application role', example: 'erp:payments:approver', scope: false, access: false },
  webhook_role: { externalId: 'Role name the webhook receives', example: 'crm:admin', scope: false, access: false },
};

export function draftOfResource(resource: Resource): ResourceDraft {
  return {
    id: resource.id,
    name: resource.name,
    description: resource.description,
    kind: resource.kind,
    connectorId: resource.connectorId,
    externalId: resource.target.externalId,
    directoryScopeId: resource.target.directoryScopeId ?? '',
    accessId: resource.target.accessId ?? '',
    ownerId: resource.ownerId,
    sensitivity: resource.sensitivity,
    policyIds: [...resource.policyIds],
    conflictsWith: [...(resource.conflictsWith ?? [])],
    archived: resource.archived,
  };
}

export function newResourceDraft(ownerId: string, connectorId = ''): ResourceDraft {
  return { id: '', name: '', description: '', kind: 'entra_group', connectorId, externalId: '', directoryScopeId: '', accessId: '', ownerId, sensitivity: 'medium', policyIds: [], conflictsWith: [], archived: false };
}

const SCHEMA_TIME = '2000-01-01T00:00:00.000Z';

export type ResourceCheck = { resource: ResourcePayload | null; problems: Problems };

/** The resource the draft stands for and every problem by field (null while there is one). */
export function checkResourceDraft(draft: ResourceDraft): ResourceCheck {
  const shape = KIND_TARGET[draft.kind];
  const target = {
    externalId: draft.externalId.trim(),
    // Only the fields the kind has: an Entra role's scope defaults to the tenant, a PIM group's access to member.
    ...(shape.scope ? { directoryScopeId: draft.directoryScopeId.trim() || '/' } : {}),
    ...(shape.access ? { accessId: draft.accessId || 'member' } : {}),
  };
  const candidate = {
    id: draft.id,
    name: draft.name.trim(),
    description: draft.description.trim(),
    kind: draft.kind,
    connector: CONNECTOR_OF_KIND[draft.kind],
    connectorId: draft.connectorId.trim(),
    target,
    ownerId: draft.ownerId,
    sensitivity: draft.sensitivity,
    policyIds: [...draft.policyIds],
    // Left out when empty, as resources without pairs are stored (and exported) without the field.
    ...(draft.conflictsWith.length > 0 ? { conflictsWith: [...draft.conflictsWith] } : {}),
    archived: draft.archived,
  };
  const problems: Problems = {};
  const parsed = Resource.safeParse({ ...candidate, changedBy: [], updatedAt: SCHEMA_TIME });
  schemaProblems(parsed, problems);
  if (parsed.success) addProblems(problems, resourceFieldProblems(parsed.data));
  if (!parsed.success || Object.keys(problems).length > 0) return { resource: null, problems };
  const { changedBy: _c, updatedAt: _u, ...resource } = parsed.data;
  return { resource, problems };
}

export const RESOURCE_FIELDS = ['name', 'description', 'kind', 'connector', 'connectorId', 'target.externalId', 'target.directoryScopeId', 'target.accessId', 'ownerId', 'sensitivity', 'policyIds', 'conflictsWith', 'archived'];
