/**
 * Runbooks for every failure and warning class (docs/diagnosis.md "Runbooks"): the model (model.ts), the
 * data by stage (data/), the catalogue by class (catalog.ts), the alarm guides (alarms.ts), the
 * cross-processor verdict's guide (verdict.ts) and the renderers (render.ts). Importers use this index.
 */
export * from './alarms';
export * from './catalog';
export * from './model';
export * from './render';
export * from './verdict';
