/**
 * The ZIP reader of an Apple Health `export.zip` lives in `src/fhir/zip.ts`, where the import
 * worker (`workers/import.ts`) can reach it too; the app's importer reads it from here.
 */
export { ZipFormatError, looksLikeZip, readZipEntries, zipEntryStream, MAX_ZIP_DIRECTORY_BYTES, MAX_ZIP_ENTRIES, type ZipEntry } from '../fhir/index.ts'
