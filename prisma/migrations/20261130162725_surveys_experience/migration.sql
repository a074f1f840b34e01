-- CreateTable
CREATE TABLE "QueueSurvey" (
    "queue" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "updatedBy" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "QueueSurvey_pkey" PRIMARY KEY ("queue")
);

-- CreateTable
CREATE TABLE "SurveySession" (
    "callId" TEXT NOT NULL,
    "customerId" TEXT,
    "queue" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "flowName" TEXT NOT NULL,
    "flowVersion" INTEGER NOT NULL,
    "language" TEXT NOT NULL,
    "session" JSONB NOT NULL,
    "stepSeq" INTEGER NOT NULL DEFAULT 0,
    "steps" JSONB NOT NULL DEFAULT '{}',
    "startedAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SurveySession_pkey" PRIMARY KEY ("callId")
);

-- CreateTable
CREATE TABLE "SurveyResponse" (
    "id" TEXT NOT NULL,
    "callId" TEXT NOT NULL,
    "customerId" TEXT,
    "queue" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "csat" INTEGER,
    "nps" INTEGER,
    "language" TEXT NOT NULL,
    "answeredAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SurveyResponse_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CustomerExperience" (
    "customerId" TEXT NOT NULL,
    "score" INTEGER NOT NULL,
    "csat" DOUBLE PRECISION,
    "nps" DOUBLE PRECISION,
    "fcr" DOUBLE PRECISION,
    "openComplaints" INTEGER NOT NULL,
    "surveys" INTEGER NOT NULL,
    "contacts" INTEGER NOT NULL,
    "repeatContacts" INTEGER NOT NULL,
    "surveyPart" DOUBLE PRECISION,
    "sentimentPart" DOUBLE PRECISION,
    "fcrPart" DOUBLE PRECISION,
    "computedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CustomerExperience_pkey" PRIMARY KEY ("customerId")
);

-- CreateIndex
CREATE INDEX "SurveySession_customerId_idx" ON "SurveySession"("customerId");

-- CreateIndex
CREATE UNIQUE INDEX "SurveyResponse_callId_key" ON "SurveyResponse"("callId");

-- CreateIndex
CREATE INDEX "SurveyResponse_answeredAt_idx" ON "SurveyResponse"("answeredAt");

-- CreateIndex
CREATE INDEX "SurveyResponse_customerId_idx" ON "SurveyResponse"("customerId");
