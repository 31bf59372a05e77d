/** A small typed event emitter: listeners run in order; one that throws does not stop the others. */
export type Listener<T> = (value: T) => void

export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>()
  readonly #onListenerError: (err: unknown) => void

  constructor(onListenerError: (err: unknown) => void) {
    this.#onListenerError = onListenerError
  }

  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(type)
    if (set === undefined) this.#listeners.set(type, (set = new Set()))
    set.add(listener)
    return () => {
      set.delete(listener)
    }
  }

  emit<K extends keyof Events>(type: K, value: Events[K]): void {
    for (const l of [...(this.#listeners.get(type) ?? [])]) {
      try {
        ;(l as Listener<Events[K]>)(value)
      } catch (err) {
        this.#onListenerError(err)
      }
    }
  }

  clear(): void {
    this.#listeners.clear()
  }
}
