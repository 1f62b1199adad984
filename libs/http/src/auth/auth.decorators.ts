import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Actor, Role } from '@ledger/domain';

export const PUBLIC_ROUTE = 'ledger:public';
export const ALLOWED_ROLES = 'ledger:roles';

/** A route anyone may call without a token (API.md "Identity" lists them). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** The roles allowed to call a route, in order of preference for the role that gets recorded. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ALLOWED_ROLES, roles);

export interface AuthenticatedRequest {
  principal?: { sub: string; roles: Role[] };
  actor?: Actor;
}

/** The caller and the role the route allowed them under, as it will be recorded in events. */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.actor) throw new Error('CurrentActor used on a route without @Roles');
  return request.actor;
});

/** Every role the caller's token carries (for reads that depend on more than the role recorded). */
export const CurrentRoles = createParamDecorator((_: unknown, context: ExecutionContext): readonly Role[] => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return request.principal?.roles ?? [];
});
