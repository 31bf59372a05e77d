import { PhrError } from '../lib/index.ts'

/** A snapshot does not cover what the stored one covers; storing it would lose updates. */
export class StaleSnapshotError extends PhrError {
  override name: string = 'StaleSnapshotError'
}

/** The store's database could not be opened or is not ours. */
export class StoreOpenError extends PhrError {
  override name: string = 'StoreOpenError'
}

/** A stored envelope or snapshot failed its check when a doc was opened. */
export class StoredEnvelopeCorruptError extends PhrError {
  override name: string = 'StoredEnvelopeCorruptError'
}

/** A snapshot did not decode to the state it was to replace; compaction was refused. */
export class SnapshotMismatchError extends PhrError {
  override name: string = 'SnapshotMismatchError'
}
