/** Words for the product's enums, one list for every screen. */
export const RESOURCE_KIND_LABEL: Record<string, string> = {
  entra_group: 'Entra ID group',
  entra_role: 'Entra ID directory role',
  entra_pim_group: 'PIM for groups',
  ad_group: 'Active Directory group',
  manual_role: 'Application role (manual)',
  webhook_role: 'Application role (webhook)',
};

export const resourceKindLabel = (kind: string): string => RESOURCE_KIND_LABEL[kind] ?? kind;
