/**
 * The tech radar page of `@backstage-community/plugin-tech-radar` on the new
 * frontend system.
 *
 * @packageDocumentation
 */

export { techRadarPlugin as default } from './plugin';
