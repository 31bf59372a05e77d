/**
 * Transaction origin of every change this layer makes on its own Y.Docs. Updates that
 * `Compartment.onUpdate` reports with this origin (and `local === true`) are the ones the
 * persistence and sync layers must seal, store and send; updates applied through
 * `Compartment.applyUpdate` carry the origin the caller gave.
 */
export const LOCAL_ORIGIN: unique symbol = Symbol('phr/record/local')

/** The type of `LOCAL_ORIGIN`. */
export type LocalOrigin = typeof LOCAL_ORIGIN
