export const ROLES = ['documenter', 'verifier', 'lead-verifier', 'legal', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Who did something: an opaque, stable id from the identity provider, never a name or an e-mail. */
export interface Actor {
  id: string;
  role: Role;
}
