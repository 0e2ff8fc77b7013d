// The core's public surface. Adapters and workers import from here, never from src/ internals.
export { loadConfig, secretEnvVarNames, envVars, loadEnvFile, isEnvVarSet, readLoraAdaptersNow } from './config/index.js';
export type { Config, EnvVarName } from './config/index.js';
export {
  PLATFORMS, conversationKeySchema, encodeConversationKey, parseConversationKey, channelIdOf, hashId, threadLockId, channelGroupId,
} from './conversation/index.js';
export type { Platform, ConversationKey } from './conversation/index.js';
export {
  historyMessageSchema, inferenceJobSchema, MAX_JSON_SCHEMA_CHARS, deliveryJobSchema, inferenceJobId, deliveryJobId, QUEUE_INFERENCE, deliveryQueueName,
  JOB_CHAT, JOB_DELIVER, DEDUPE_TTL_MS, enqueueInference, JOB_PRIORITY, intakeQueueName, JOB_INTAKE,
} from './jobs/index.js';
export type { HistoryMessage, InferenceJob, InferenceJobInput, DeliveryJob, InferenceJobResult, EnqueueResult, EnqueueOptions } from './jobs/index.js';
export { InferenceEngine, OpenAiEngine, ThinkTagStream, isEngineFailure, retryAfterMsOf, splitThought, stripThinkTags, fileSha256, fallbackPlan, watchAdapters, assertLoraAdapterFile, jsonSchemaGrammarProblem, JSON_SCHEMA_REFUSED, GRAMMAR_MAX_COUNT, CONTEXT_LENGTH_EXCEEDED } from './engine/index.js';
export type { LoraAdapterSpec, AdapterReload } from './engine/index.js';
export type { InferenceEngineOptions, GenerateRequest, GenerateResult, GenerationChunk, EffectiveEngineSettings, AdapterIdentity, Engine, EngineHealth, EngineKind, EngineState, ModelIdentity, OpenAiEngineOptions, EngineErrorKind } from './engine/index.js';
export { buildPrompt, DEFAULT_SYSTEM_PROMPT, historyFromLog } from './prompts/index.js';
export type { ChatTurn, BuiltPrompt } from './prompts/index.js';
export {
  openDb, createPgDb, createPgliteDb, migrate, startMessage, finishMessage, failMessage, getMessage, getMessageByJobId, beginDelivery,
  markDelivered, listConversation, recordFeedback, listFeedback,
} from './storage/index.js';
export type { Db, MessageRow, MessageStatus, FeedbackValue } from './storage/index.js';
export { createMetrics, collectQueueDepth, collectVram, collectGpuUtilization, collectMemoryFragmentation } from './metrics/index.js';
export type { Metrics } from './metrics/index.js';
export { createLogger, withText } from './log/logger.js';
export type { Logger } from './log/logger.js';
export { createRateLimitedLog } from './log/rate-limited-log.js';
export type { RateLimitedLog } from './log/rate-limited-log.js';
export { sanitizeText, needsSanitizing } from './text/index.js';
export { admitQuestion, processIntake, notifyInBackground, DEFAULT_INTAKE_TEXTS, questionSchema, intakeJobSchema, checkAccess, POLICY_REFUSAL_ONCE_S } from './intake/index.js';
export type { AccessResult, AccessRuntime } from './intake/index.js';
export type { AdmitResult, IntakeRuntime, IntakeOutcome, ChatPlatform, IntakeTexts, NoticeInfo, Question, QuestionInput, IntakeJob } from './intake/index.js';
export { R1Error, ConfigError, ModelUnavailableError, DatabaseUnavailableError, InputError, JobContractError, IntakeUnavailableError, RedisUnavailableError, PlatformRateLimitError, AdapterUnavailableError, EngineUnavailableError, EngineRateLimitError, EngineRequestError } from './errors.js';
export { createRedis, isRedisConnectionError, QueueSet, resolveRedis, REDIS_INSTALL_HINT, rescheduleOnRateLimit, retryLaterMs, isDelayedError } from './queue/index.js';
export type { RedisEndpoint, ResolveRedisOptions } from './queue/index.js';
export { processDelivery, FAILED_REPLY_TEXT } from './delivery/index.js';
export type { ReplySink, OutgoingReply, ReplyRef, DeliveryDeps } from './delivery/index.js';
export { processInference, handleInferenceFailure } from './pipeline/index.js';
export type { InferenceDeps, InferenceSettings } from './pipeline/index.js';
export { HttpServer } from './http/index.js';
export type { ReadinessCheck, RawHandler } from './http/index.js';
export { createRuntime, publishWorkerStatus, listWorkerStatus, WORKER_STATUS_TTL_S } from './runtime/index.js';
export type { Runtime, WorkerStatus } from './runtime/index.js';
export { runCheck, formatReport, checkRedis, checkDatabase, checkModel, checkGpu, checkEngine, checkLoraAdapters } from './doctor/index.js';
export type { CheckResult } from './doctor/index.js';
export {
  SCOPE_NAME_RE, listDocuments, deleteDocument, listChannelSettings, createRetriever, ingestPaths, channelKnowledge, scopesForChannel, attachScope, detachScope, setWebSearch, listBindings, isKbAdmin,
  addKbAdmin, removeKbAdmin, listKbAdmins, ensureScope, listScopes, deleteScope, refreshScopeStats, assertScopeName, chunkText, extractDocument,
  createSearxngSearch, isAllowedUrl, blendWeb, fuseRankings, normalize, embeddingText, ensureVectorIndex, hasPgvector, RagError,
  DEFAULT_FEEDBACK, DEFAULT_MIN_BEST_MATCH, diversify, parseSynonyms, loadSynonyms, synonymExpansions, createQueryRewriter,
} from './rag/index.js';
export type {
  RetrievedChunk, RetrieveRequest, Retriever, SourceRef, Embedder, RetrieverOptions, KnowledgeRetriever, RetrievalTrace, ChannelRef,
  ChannelKnowledge, BindingRow, ScopeInfo, DocumentInfo, IngestOptions, IngestSummary, IngestProgress, WebSearch, WebResult, FusionMethod,
  SynonymGroups, FeedbackOptions,
} from './rag/index.js';
export { LlamaEmbedder } from './engine/index.js';
export type { LlamaEmbedderOptions } from './engine/index.js';
export { handleKbCommand, KB_USAGE, KB_REFUSAL } from './rag/index.js';
export type { KbCommandDeps, KbCommandInput, KbCommandResult } from './rag/index.js';
export { knowledgeForQuestion, retrievalQuery, toSourceRefs, sectionOf, stripInvalidCitations, citedNumbers } from './rag/index.js';
export type { AnswerKnowledgeDeps, AnswerKnowledge, KnowledgeStatus } from './rag/index.js';
export { buildRagPrompt, SOURCES_INSTRUCTION, NO_MATCH_INSTRUCTION } from './prompts/index.js';
export type { PromptSource, KnowledgeContext } from './prompts/index.js';
export { recordMessageKnowledge, getMessageKnowledge, getMessagesKnowledge } from './storage/index.js';
export { MODEL_ONLY_NOTE, NO_MATCH_NOTE, sourceMarkdown, knowledgeMarkdown } from './rag/index.js';
export type { KnowledgeOutcome } from './rag/index.js';
export type { MessageKnowledge } from './storage/index.js';
export {
  diagnosisJobSchema, anyInferenceJobSchema, enqueueDiagnosis, queuePosition, JOB_DIAGNOSE,
} from './jobs/index.js';
export type { DiagnosisJob, DiagnosisJobInput, AnyInferenceJob } from './jobs/index.js';
export {
  diagnosisResultSchema, diagnosisAnswerSchema, diagnosisViewSchema, diagnosisJsonSchema, toGbnfJsonSchema, LIKELIHOODS, SEVERITIES, SEVERITY_LEVELS, severityLevelOf, severityLabel, OUTCOMES,
  FEEDBACK_VALUES, DIAGNOSIS_LIMITS, STRUCTURED_DIAGNOSIS, parseDiagnoseCommand, splitFaultCode, closestMatches, editDistance, diagnosisMarkdown,
  diagnosisTitle, faultLine, citeMarks, LIKELIHOOD_LABEL, toDiagnosisView, findAsset, listAssets, listAssetIds, findFaultCode, listFaultCodes,
  upsertAsset, upsertFaultCode, getDiagnosis, getDiagnosisByJobId, getDiagnosisByMessageId, recordOutcome, recordDiagnosisFeedback,
  listDiagnosesForAsset, listLabelledDiagnoses, handleDiagnoseCommand, checkDiagnoseRequest, diagnosisJobId, diagnosisEventId, diagnoseUsage, importRegistryFile, importRegistryFiles, parseRegistryCsv, parseRegistryYaml,
  exportLabelledExamples, toTrainingExample,
} from './diagnosis/index.js';
export type {
  DiagnosisResult, DiagnosisAnswer, DiagnosisView, DiagnosisViewInput, DiagnosisCause, DiagnosisCheck, Likelihood, Severity, DiagnosisOutcome,
  DiagnosisFeedback, Asset, FaultCode, DiagnosisRow, DiagnoseCommandDeps, DiagnoseCommandInput, DiagnoseCommandResult, DiagnoseRequestCheck, ImportSummary,
  ImportResult, ImportWarning, SeverityLevel, RegistryIssue, TrainingExample,
} from './diagnosis/index.js';
export { buildDiagnosisPrompt, buildDiagnosisDraftPrompt, buildDiagnosisJsonFollowUp, DIAGNOSIS_SYSTEM_PROMPT } from './prompts/index.js';
export {
  processDiagnosis, handleDiagnosisFailure, parseDiagnosisAnswer, runInferenceJob, handleInferenceJobFailure,
} from './pipeline/index.js';
export type { DiagnosisDeps, DiagnosisSettings, InferenceJobDeps } from './pipeline/index.js';
export { createFairScheduler, checkRateLimit } from './scheduling/index.js';
export type { FairScheduler, RateLimits, RateLimitResult } from './scheduling/index.js';
export {
  createLivePublisher, followLive, followLiveAnswer, StoredAnswerText, requestCancel, CancelRegistry, recordServiceTime, estimateWaitSeconds, queuedText, thinkingText, createThoughtBudget,
  emptyView, liveStateStore, markLiveDone, isLiveDone, liveRelayJobSchema, liveQueueName, liveRelayJobId, enqueueLiveRelay, JOB_LIVE, runLiveRelay,
  queuePositionOf, settleLive, LIVE_CURSOR, liveStatusText, trackAttempt,
} from './live/index.js';
export type { LiveEvent, LiveAnswer, LiveAnswerHandlers, LivePhase, LiveView, LiveSurface, LiveSurfaceFactory, LiveStateStore, LiveRelayJob, RelayDeps, RelayOutcome, RestartAware } from './live/index.js';
export { runCli, reportError, UsageError } from './cli/index.js';
export type { RunCliOptions } from './cli/index.js';
export {
  AuthError, AuthUnavailableError, OidcVerifier, OIDC_ALGORITHMS, tokenScopes, tokenClient, API_KEY_PREFIX, createApiKey, listApiKeys, revokeApiKey,
  verifyApiKey, assertApiKeyName, createBearerAuthenticator, bearerAuthenticatorFromConfig, isApiEnabled,
} from './auth/index.js';
export type { OidcVerifierOptions, ApiKeyInfo, BearerAuthenticatorOptions, AuthenticatedClient, AuthMethod, BearerAuthenticator } from './auth/index.js';
export {
  createWebSession, findWebSession, deleteWebSession, pruneWebSessions, createWebChat, getWebChat, listWebChats, touchWebChat, deleteWebChat,
  WEB_ALL_GROUP, WEB_LOCAL_TENANT, WEB_LOCAL_USER, isWebSignInConfigured, webMode, webTenant, groupsFromClaims, isWebAdmin, chatGroupFor,
} from './web/index.js';
export type { WebSession, NewWebSession, WebChat } from './web/index.js';
export {
  recordAudit, listAudit, iterateAudit, AUDIT_MAX_PAGE, exportAudit, toAuditExportLine, auditExportLineSchema, AUDIT_ACTION_PATTERN, recordProvenance,
  getProvenance, documentsWithVersions, promptSha256, cliActor, cliOrigin, serviceOrigin,
} from './audit/index.js';
export type { AuditEntry, AuditRow, AuditFilter, AuditExportLine, AnswerProvenance, ProvenanceDocument } from './audit/index.js';
export {
  createAccessPolicy, setChannelRule, removeChannelRule, getChannelRule, listChannelRules, addCommandRule, removeCommandRule, openCommand, listCommandRules,
  refusalText, POLICY_COMMANDS,
} from './policy/index.js';
export type {
  AccessPolicy, AccessPolicyOptions, PolicyCommand, AccessRequest, AccessDecision, RefusalReason, GroupMembersFn, ChannelRule, CommandRule, ChangedBy,
} from './policy/index.js';
// Continuous learning (#16): feedback on every answer, corrections, exact prompts.
export {
  recordVote, recordCorrection, CORRECTION_MAX_CHARS, buildDataset, DATASET_FORMATS, exportDataset, createRedactor, REDACTED, createPseudonymizer,
} from './feedback/index.js';
export type {
  FeedbackFrom, FeedbackDeps, FeedbackResult, DatasetFormat, DatasetLine, DatasetMeta, BuildDatasetOptions, BuiltDataset, ExportDatasetOptions, RedactorOptions,
} from './feedback/index.js';
export { listRatedAnswers } from './storage/index.js';
export type { RatedAnswer, RatedAnswerFilter } from './storage/index.js';
export { saveMessagePrompt, getMessagePrompt } from './storage/index.js';
export type { MessagePrompt } from './storage/index.js';
export { toPromptMessages, systemPromptSha256 } from './prompts/index.js';
export type { PromptMessage } from './prompts/index.js';
export { adapterForChannel, bindAdapter, unbindAdapter, listAdapterBindings, recordMessageAdapter } from './storage/index.js';
export type { AdapterBindingRow } from './storage/index.js';
export {
  removeOldTexts, RETENTION_BATCH, forgetUser, erasureRef, ERASED_USER, QUEUE_MAINTENANCE, JOB_RETENTION, JOB_FORGET, JOB_IMAGE_CLEANUP, RETENTION_SCHEDULER_ID,
  IMAGE_CLEANUP_SCHEDULER_ID, IMAGE_CLEANUP_CRON, forgetJobSchema, scheduleRetention, scheduleImageCleanup, enqueueForget, processMaintenance,
} from './retention/index.js';
export type { RetentionCounts, RetentionOptions, ForgetTarget, ForgetCounts, ForgetOptions, ForgetJob, MaintenanceDeps, ImageCleanupCounts } from './retention/index.js';
export { parsePreferencePairs, renderPairs, scorePreferences, runPreferenceGate, formatGateResult } from './engine/index.js';
export type { PreferencePair, PreferenceScore, GateResult } from './engine/index.js';
export { loadModel } from './engine/index.js';
// Questions with pictures (#17).
export {
  imageRefSchema, IMAGE_TYPES, sniffImageType, describeNonImage, formatBytes, admitImages, refuseBytes, refusalNotice, imageLabel, fetchCapped, ImageFetchError,
  listImages, listImagesOfJobs, discardQuestionImages, removeStaleImageData, imageBlobKey, IMAGE_BLOB_TTL_S, OcrReader, OcrLanguageError, assertOcrLangs, preprocessImage, ImageDecodeError, VisionClient, IMAGE_ONLY_QUESTION, toImageReading, READABLE_TYPES_TEXT, imagesMarkdown, shownReadText,
} from './images/index.js';
export type { ImageRef, ImageInput, ImageSource, ImageRefusal, ImageRow, ImageReading, OcrResult, OcrReaderOptions } from './images/index.js';
export { offersFromText, findDiagnoseOffers, MAX_DIAGNOSE_OFFERS } from './diagnosis/index.js';
export type { DiagnoseOffer } from './diagnosis/index.js';
export { processOcr, handleOcrFailure } from './pipeline/index.js';
export type { OcrDeps } from './pipeline/index.js';
export { enqueueOcr, QUEUE_OCR, ocrJobSchema } from './jobs/index.js';
// The admin console's lists (#14).
export { listVotedAnswers } from './feedback/index.js';
export type { VotedAnswer, VotedAnswerFilter } from './feedback/index.js';
export { listRecentDiagnoses } from './diagnosis/index.js';
export type { DiagnosisListItem } from './diagnosis/index.js';
