/**
 * Catalog providers of the selected presets: the identity preset's org sync
 * and the SCM presets' repository discovery, each scheduled and guarded so
 * that a failing, rate-limited or suddenly empty source never removes
 * entities from the catalog.
 *
 * @packageDocumentation
 */
export { catalogModulePresets as default } from './module';
