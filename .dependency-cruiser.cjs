/**
 * The layer check (DESIGN §2): each folder under src/ imports only the folders its row
 * allows; no import cycles; @noble/* and @scure/* only from src/crypto; yjs only from
 * src/record. `test/layers.test.ts` runs this config on fixture trees to show it fails
 * when a lower folder imports a higher one.
 */
/** @type {Record<string, string[]>} folder → the folders it may import */
const LAYERS = {
  lib: [],
  crypto: ['lib'],
  record: ['lib'],
  envelope: ['lib', 'crypto'],
  storage: ['lib', 'envelope'],
  consent: ['lib', 'crypto', 'envelope', 'record'],
  sync: ['lib', 'crypto', 'record', 'envelope', 'storage', 'consent'],
  fhir: ['lib', 'crypto', 'record'],
  devices: ['lib', 'record'],
  insights: ['lib', 'record', 'fhir'],
  consult: ['lib', 'crypto', 'consent', 'sync', 'fhir'],
  app: ['lib', 'crypto', 'record', 'envelope', 'storage', 'consent', 'sync', 'fhir', 'devices', 'insights', 'consult'],
  ui: ['lib', 'app'],
  relay: ['lib', 'crypto', 'record', 'envelope', 'storage', 'consent', 'sync']
}

const layerRules = Object.entries(LAYERS).map(([layer, allowed]) => ({
  name: `layer-${layer}`,
  comment: `src/${layer} may import only ${allowed.length === 0 ? 'no other src folder' : allowed.map((a) => `src/${a}`).join(', ')}`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: '^src/', pathNot: `^src/(${[layer, ...allowed].join('|')})/` }
}))

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'no import cycles anywhere',
      severity: 'error',
      from: {},
      to: { circular: true }
    },
    {
      name: 'crypto-only-in-crypto',
      comment: '@noble/* and @scure/* are imported only by src/crypto',
      severity: 'error',
      from: { pathNot: '^src/crypto/' },
      to: { path: 'node_modules/@(noble|scure)/' }
    },
    {
      name: 'yjs-only-in-record',
      comment: 'yjs is imported only by src/record',
      severity: 'error',
      from: { pathNot: '^src/record/' },
      to: { path: 'node_modules/yjs/' }
    },
    {
      name: 'workers-below-app',
      comment: 'workers/ run the lower layers; they never import the app or the UI',
      severity: 'error',
      from: { path: '^workers/' },
      to: { path: '^src/(app|ui)/' }
    },
    {
      name: 'src-not-from-tooling',
      comment: 'src/ never imports tests, scripts or benchmarks',
      severity: 'error',
      from: { path: '^(src|workers)/' },
      to: { path: '^(test|scripts|bench)/' }
    },
    {
      name: 'no-unresolvable',
      comment: 'every import resolves',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/ui/locales/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
      mainFields: ['module', 'main', 'types']
    }
  }
}
