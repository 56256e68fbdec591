/**
 * The narrow write port that seeders (demo data, standard configuration) use, so they need not
 * know the record service. Values follow the API's input rules (picklists as value names or arrays,
 * references as record ids).
 */
export interface RecordWriter {
  /** Creates the records (any number; the writer splits them) and returns their ids in input order. */
  create(objectName: string, records: readonly Readonly<Record<string, unknown>>[]): Promise<string[]>
}
