/** The bench's admin user, created by `token-service.ts` at start. */
export const BENCH_EMAIL = 'bench@example.com'
export const BENCH_PASSWORD = 'bench password 0123456789'
