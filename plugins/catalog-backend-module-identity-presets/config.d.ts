export interface Config {
  identityPresets?: {
    orgSync?: {
      /**
       * Apply a sync that returns no users although the last good sync had
       * some. Off by default: an empty answer from a directory is far more
       * often a wrong base DN or a lost permission than an empty company.
       */
      allowEmpty?: boolean;
    };
  };
}
