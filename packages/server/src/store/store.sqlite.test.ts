import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runStoreConformance } from '@keygate/testkit'
import { openStore } from './open-store.js'

const dir = join(tmpdir(), `keygate-store-${randomBytes(6).toString('hex')}`)

runStoreConformance({
  name: 'sqlite',
  // A real file (WAL and all) in a directory openStore has to create.
  open: () => openStore({ url: `sqlite:${join(dir, 'nested', 'keygate.db')}` }),
  cleanup: () => rm(dir, { recursive: true, force: true }),
})

runStoreConformance({
  name: 'sqlite in memory',
  open: () => openStore({ url: 'sqlite::memory:' }),
})
