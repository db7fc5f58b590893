-- SLA policies may warn N business minutes before the deadline instead of at a share of the target (ADR 0007).
ALTER TABLE "SlaPolicy" ADD COLUMN "warningMinutesBefore" INTEGER;
ALTER TABLE "SlaPolicy" ADD CONSTRAINT "SlaPolicy_warningMinutesBefore_check" CHECK ("warningMinutesBefore" IS NULL OR "warningMinutesBefore" > 0);
