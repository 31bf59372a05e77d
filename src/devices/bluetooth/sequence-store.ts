/**
 * Where a session remembers the last glucose record sequence number seen per meter, so the
 * next connection asks the meter only for newer records (GLS 1.0 §3.4 RACP "greater than
 * or equal to"). The app keeps it sealed in the record; tests and demos use memory.
 */

/** The last sequence number per `BluetoothDevice.id`. */
export interface SequenceStore {
  get(deviceId: string): Promise<number | undefined>
  /** Called after the readings up to `sequence` were handed to the session's listeners. */
  set(deviceId: string, sequence: number): Promise<void>
}

/**
 * A `SequenceStore` in memory, holding at most `maxDevices` meters (the oldest is dropped).
 * @example const sequences = memorySequenceStore()
 */
export function memorySequenceStore(maxDevices = 64): SequenceStore {
  const map = new Map<string, number>()
  return {
    get: async (id) => map.get(id),
    set: async (id, sequence) => {
      if (!Number.isInteger(sequence) || sequence < 0 || sequence > 0xffff) throw new RangeError(`sequence: expected an integer 0-65535, got ${String(sequence)}`)
      map.delete(id)
      map.set(id, sequence)
      if (map.size > maxDevices) map.delete(map.keys().next().value as string)
    }
  }
}
