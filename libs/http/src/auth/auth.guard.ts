import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@ledger/domain';
import type { Request } from 'express';
import { problem, ProblemException } from '../problem.js';
import { ALLOWED_ROLES, PUBLIC_ROUTE, type AuthenticatedRequest } from './auth.decorators.js';
import { InvalidTokenError, TokenVerifier } from './token-verifier.js';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

/** Every route is authenticated unless marked @Public; @Roles decides which token roles may call it, and a route without either is refused. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) throw unauthenticated('A bearer token is required.');
    try {
      request.principal = await this.verifier.verify(match[1]);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw unauthenticated('The bearer token is not valid.');
      throw error;
    }
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ALLOWED_ROLES, targets);
    if (!allowed || allowed.length === 0) {
      // Deny by default: a route that does not say who may call it is called by no one.
      throw new ProblemException(problem(403, 'AUTH.NO_ROLES_DECLARED', 'This route declares no roles that may call it.'));
    }
    const role = allowed.find((r) => request.principal?.roles.includes(r));
    if (!role) {
      throw new ProblemException(
        problem(403, 'AUTH.ROLE_NOT_ALLOWED', `This action needs one of the roles: ${allowed.join(', ')}.`),
      );
    }
    request.actor = { id: request.principal.sub, role };
    return true;
  }
}

function unauthenticated(detail: string): ProblemException {
  return new ProblemException(problem(401, 'AUTH.UNAUTHENTICATED', detail), { 'WWW-Authenticate': 'Bearer' });
}
