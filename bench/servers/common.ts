/**
 * Shared by every bench server: the secret, the variant (`process.argv[2]`) and how to announce
 * the port.
 */
export const SECRET = 'bench-secret-4b1d0e6f2c9a8b7d5e3f1a0c9b8d7e6f'
export const variant = (process.argv[2] ?? 'none') as
  'none' | 'keygate' | 'peer' | 'apitokens-warm' | 'apitokens-off' | 'better-auth' | 'spin'
export const HELLO = JSON.stringify({ hello: 'world' })

export function announce(port: number): void {
  // The load generator asks for this process's CPU time before and after a run: CPU time per
  // request is not inflated by a noisy neighbour the way wall-clock throughput is (a guest
  // kernel accounts stolen time apart from the process's own).
  process.on('SIGUSR2', () => {
    const { user, system } = process.cpuUsage()
    console.log(`cpu ${user + system}`)
  })
  console.log(`listening http://127.0.0.1:${port}`)
}
