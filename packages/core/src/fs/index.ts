/** Node-only secret sources (they read the file system). */
export { file, parseSecretLines, type FileSourceOptions } from './file.js'
export { generated, type GeneratedSourceOptions } from './generated.js'
