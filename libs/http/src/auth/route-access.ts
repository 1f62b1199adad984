import { RequestMethod, type INestApplicationContext } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import type { Role } from '@ledger/domain';
import { ALLOWED_ROLES, PUBLIC_ROUTE } from './auth.decorators.js';

/** One route of the running app and who may call it, as its decorators declare. */
export interface RouteAccess {
  method: string;
  /** OpenAPI style: `/claims/{id}/sources`. */
  path: string;
  public: boolean;
  roles: Role[];
}

/** Every controller route registered in the app, read from the same metadata the guard reads. */
export function routeAccess(app: INestApplicationContext): RouteAccess[] {
  const routes: RouteAccess[] = [];
  const seen = new Set<unknown>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller || seen.has(controller)) continue;
      seen.add(controller);
      const base = pathsOf(Reflect.getMetadata(PATH_METADATA, controller));
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = name === 'constructor' ? undefined : Object.getOwnPropertyDescriptor(prototype, name)?.value;
        if (typeof handler !== 'function') continue;
        const method: unknown = Reflect.getMetadata(METHOD_METADATA, handler);
        if (method === undefined) continue;
        const isPublic = Boolean(Reflect.getMetadata(PUBLIC_ROUTE, handler) ?? Reflect.getMetadata(PUBLIC_ROUTE, controller));
        const roles = (Reflect.getMetadata(ALLOWED_ROLES, handler) ?? Reflect.getMetadata(ALLOWED_ROLES, controller) ?? []) as Role[];
        for (const prefix of base) {
          for (const own of pathsOf(Reflect.getMetadata(PATH_METADATA, handler))) {
            routes.push({ method: RequestMethod[method as RequestMethod], path: joinPath(prefix, own), public: isPublic, roles });
          }
        }
      }
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/**
 * Deny by default: a route must say who may call it. The guard answers 403 to one that does not;
 * this stops the app from starting with one at all.
 */
export function assertEveryRouteDeclaresAccess(app: INestApplicationContext): void {
  const undeclared = routeAccess(app).filter((route) => !route.public && route.roles.length === 0);
  if (undeclared.length > 0) {
    const list = undeclared.map((route) => `${route.method} ${route.path}`).join(', ');
    throw new Error(`routes without @Roles or @Public (deny by default): ${list}`);
  }
}

function pathsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return [typeof value === 'string' ? value : '/'];
}

function joinPath(prefix: string, own: string): string {
  const joined = `/${[prefix, own].map((part) => part.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
  return joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
