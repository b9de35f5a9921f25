export interface Config {
  presets?: {
    techRadar?: {
      /**
       * Sample tech radar data (the tech radar backend's JSON format) that a
       * preset ships, usually with `$include: ./data/tech-radar.json`;
       * served at `/api/presets/tech-radar/sample.json` for the tech radar
       * backend to read from this backend itself.
       */
      sample?: object;
    };
  };
}
