/**
 * Skill-package routes: create an upload URL, receive the zip at it (the stand-in for S3's presigned PUT, so it
 * takes no bearer token), import it as a new or existing skill, and report the import's status.
 */
import express, { Router, type Request } from 'express';
import { noteCall } from '../log.js';
import type { Skills } from '../skills.js';

/** The upload URL is built from the Host the client used, so it works behind whatever name reached the cloud. */
const origin = (req: Request) => `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;

export function uploadReceiver(skills: Skills, maxBytes: number): Router {
  const router = Router();
  router.put('/_uploads/:uploadId', express.raw({ type: () => true, limit: maxBytes }), (req, res) => {
    const uploadId = req.params.uploadId as string;
    noteCall(res, { api: 'upload', operation: 'uploadSkillPackage' });
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const outcome = skills.receiveUpload(uploadId, body);
    if (outcome === 'ok') return void res.status(200).end();
    // S3 answers an unknown or expired presigned URL with 403 and an XML error.
    res.status(403).type('application/xml').send(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${outcome === 'expired' ? 'Request has expired' : 'Unknown upload URL'}</Message></Error>`,
    );
  });
  return router;
}

export function packageRoutes(skills: Skills): Router {
  const router = Router();
  router.post('/v1/skills/uploads', (req, res) => {
    noteCall(res, { api: 'smapi', operation: 'createUpload' });
    const upload = skills.createUpload();
    res.status(201).json({ uploadUrl: `${origin(req)}/_uploads/${upload.uploadId}`, expiresAt: upload.expiresAt });
  });

  router.post('/v1/skills/imports', (req, res) => {
    noteCall(res, { api: 'smapi', operation: 'importSkillPackage' });
    const record = skills.startImport(req.body);
    noteCall(res, { importId: record.importId, skillId: record.skillId, outcome: record.status });
    res.status(202).location(`/v1/skills/imports/${record.importId}`).json({});
  });

  router.post('/v1/skills/:skillId/imports', (req, res) => {
    const skillId = req.params.skillId as string;
    noteCall(res, { api: 'smapi', operation: 'importSkillPackage', skillId });
    const record = skills.startImport(req.body, skillId);
    noteCall(res, { importId: record.importId, outcome: record.status });
    res.status(202).location(`/v1/skills/imports/${record.importId}`).json({});
  });

  router.get('/v1/skills/imports/:importId', (req, res) => {
    const importId = req.params.importId as string;
    noteCall(res, { api: 'smapi', operation: 'getImportStatus', importId });
    const body = skills.importStatus(importId);
    noteCall(res, { outcome: String(body.status) });
    res.json(body);
  });
  return router;
}
