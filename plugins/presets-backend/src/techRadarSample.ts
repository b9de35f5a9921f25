import {
  HttpRouterService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { Router } from 'express';

/** Where the sample radar is served, below the presets plugin (`/api/presets`). */
const TECH_RADAR_SAMPLE_PATH = '/tech-radar/sample.json';

/**
 * The config key a preset puts its sample radar under, usually with
 * `$include: ./data/tech-radar.json`: the file is then found next to the
 * preset that ships it, whichever preset folder that is.
 */
const TECH_RADAR_SAMPLE_CONFIG_KEY = 'presets.techRadar.sample';

/**
 * Serves the sample tech radar a selected preset provides at
 * `GET /api/presets/tech-radar/sample.json`, for the tech radar backend to
 * read from this backend itself (its `techRadar.url`) with no network.
 * Registers nothing when no selected preset provides one, so the route is
 * then a 404.
 *
 * The route needs no credentials: the tech radar backend reads its URL
 * through the UrlReader, which sends none. It only ever serves this
 * config value, which is sample data a preset ships.
 *
 * @public
 */
export function serveTechRadarSample(options: {
  httpRouter: HttpRouterService;
  config: RootConfigService;
}): void {
  const { httpRouter, config } = options;
  // getOptionalConfig refuses a value that is not an object, naming the
  // key and the preset file it came from.
  const sample = config.getOptionalConfig(TECH_RADAR_SAMPLE_CONFIG_KEY)?.get();
  if (sample === undefined) {
    return;
  }
  const router = Router();
  router.get(TECH_RADAR_SAMPLE_PATH, (_req, res) => {
    res.json(sample);
  });
  httpRouter.use(router);
  httpRouter.addAuthPolicy({
    path: TECH_RADAR_SAMPLE_PATH,
    allow: 'unauthenticated',
  });
}
