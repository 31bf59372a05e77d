/**
 * The import worker: reads, parses and checks an imported file off the UI thread — a FHIR
 * JSON file prepared for the record, an Apple Health export checked whole and then streamed
 * as batches (see src/fhir/import-worker.ts for the messages, and src/app/import-worker.ts,
 * which starts it and falls back to the page when it cannot).
 */
import { serveImport } from '../src/fhir/index.ts'

declare const self: DedicatedWorkerGlobalScope

serveImport(self)
