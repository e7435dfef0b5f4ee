/**
 * Per-skill SMAPI routes: manifest (GET with ETag, PUT → 202 and an asynchronous outcome), status, enablement,
 * interaction models as imported, and the account-linking client (whose secret GET never returns).
 */
import { Router, type Request } from 'express';
import { noteCall } from '../log.js';
import type { Skills } from '../skills.js';
import { SmapiError } from './errors.js';

const ids = (req: Request) => ({ skillId: req.params.skillId as string, stage: req.params.stage as string });

export function skillRoutes(skills: Skills): Router {
  const router = Router();
  const stagePath = '/v1/skills/:skillId/stages/:stage';

  router.get(`${stagePath}/manifest`, (req, res) => {
    const { skillId, stage } = ids(req);
    noteCall(res, { api: 'smapi', operation: 'getManifest', skillId, stage });
    const record = skills.stage(skillId, stage);
    res.set('ETag', record.manifestETag).json({ manifest: record.manifest });
  });

  router.put(`${stagePath}/manifest`, (req, res) => {
    const { skillId, stage } = ids(req);
    noteCall(res, { api: 'smapi', operation: 'updateManifest', skillId, stage });
    skills.updateManifest(skillId, stage, req.body, req.get('if-match'));
    noteCall(res, { outcome: skills.stage(skillId, stage).manifestLastUpdate.status });
    res.status(202).location(`/v1/skills/${skillId}/status?resource=manifest`).json({});
  });

  router.get('/v1/skills/:skillId/status', (req, res) => {
    const skillId = req.params.skillId as string;
    noteCall(res, { api: 'smapi', operation: 'getSkillStatus', skillId });
    const raw = req.query.resource;
    const resources = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
    res.json(skills.status(skillId, resources));
  });

  router.get(`${stagePath}/enablement`, (req, res) => {
    const { skillId, stage } = ids(req);
    noteCall(res, { api: 'smapi', operation: 'getSkillEnablement', skillId, stage });
    if (!skills.stage(skillId, stage).enabled) throw new SmapiError(404, `Skill ${skillId} is not enabled in stage ${stage}.`);
    res.status(204).end();
  });

  router.put(`${stagePath}/enablement`, (req, res) => {
    const { skillId, stage } = ids(req);
    noteCall(res, { api: 'smapi', operation: 'enableSkill', skillId, stage });
    skills.setEnabled(skillId, stage, true);
    res.status(204).end();
  });

  router.delete(`${stagePath}/enablement`, (req, res) => {
    const { skillId, stage } = ids(req);
    noteCall(res, { api: 'smapi', operation: 'disableSkill', skillId, stage });
    skills.setEnabled(skillId, stage, false);
    res.status(204).end();
  });

  router.get(`${stagePath}/interactionModel/locales/:locale`, (req, res) => {
    const { skillId, stage } = ids(req);
    const locale = req.params.locale as string;
    noteCall(res, { api: 'smapi', operation: 'getInteractionModel', skillId, stage });
    const record = skills.stage(skillId, stage);
    const model = record.interactionModels[locale];
    if (model === undefined) throw new SmapiError(404, `Skill ${skillId} has no interaction model for locale ${locale}.`);
    res.set('ETag', record.interactionModelETags[locale] ?? '').json(model);
  });

  router.get(`${stagePath}/accountLinkingClient`, (req, res) => {
    const { skillId, stage } = ids(req);
    noteCall(res, { api: 'smapi', operation: 'getAccountLinkingInfo', skillId, stage });
    const { response, eTag } = skills.accountLinking(skillId, stage);
    res.set('ETag', eTag).json({ accountLinkingResponse: response });
  });

  router.put(`${stagePath}/accountLinkingClient`, (req, res) => {
    const { skillId, stage } = ids(req);
    noteCall(res, { api: 'smapi', operation: 'updateAccountLinkingInfo', skillId, stage });
    skills.setAccountLinking(skillId, stage, req.body, req.get('if-match'));
    res.status(204).end();
  });

  router.delete(`${stagePath}/accountLinkingClient`, (req, res) => {
    const { skillId, stage } = ids(req);
    noteCall(res, { api: 'smapi', operation: 'deleteAccountLinkingInfo', skillId, stage });
    skills.deleteAccountLinking(skillId, stage);
    res.status(204).end();
  });
  return router;
}
