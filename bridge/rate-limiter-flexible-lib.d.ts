/** rate-limiter-flexible's single files (bridge/rate-limiter-parts.ts gives them the package's own types). */
declare module 'rate-limiter-flexible/lib/*.js' {
  const limiterModule: unknown;
  export default limiterModule;
}
