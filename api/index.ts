export { createApp, type AppDeps } from './app';
export { createRouteGuard } from './guard';
export { defineRoute, type RouteSpec } from './route';
