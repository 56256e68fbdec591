/**
 * What a CRM reads of any Medical document version it turns into a CrossLink (Document Transfer,
 * CLM, Approved Email), whatever each flow and its field rules add: the identity, the state's name
 * (status__v answers its label, as in Vault), the version and the file's name.
 */
export const SOURCE_VERSION_FIELDS = [
  'id',
  'name__v',
  'type__v',
  'lifecycle__v',
  'state__v',
  'major_version_number__v',
  'minor_version_number__v',
  'filename__v',
] as const
