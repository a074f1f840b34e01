-- CreateTable
CREATE TABLE "KpiBucket" (
    "queue" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "offered" INTEGER NOT NULL DEFAULT 0,
    "answered" INTEGER NOT NULL DEFAULT 0,
    "abandoned" INTEGER NOT NULL DEFAULT 0,
    "shortAbandoned" INTEGER NOT NULL DEFAULT 0,
    "slMeasured" INTEGER NOT NULL DEFAULT 0,
    "slAnswered" INTEGER NOT NULL DEFAULT 0,
    "asaCount" INTEGER NOT NULL DEFAULT 0,
    "asaSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "handled" INTEGER NOT NULL DEFAULT 0,
    "handleSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "talkSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "holdSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "wrapSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "staffedSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "occupiedSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "fcrContacts" INTEGER NOT NULL DEFAULT 0,
    "fcrResolved" INTEGER NOT NULL DEFAULT 0,
    "csatCount" INTEGER NOT NULL DEFAULT 0,
    "csatSatisfied" INTEGER NOT NULL DEFAULT 0,
    "npsCount" INTEGER NOT NULL DEFAULT 0,
    "npsPromoters" INTEGER NOT NULL DEFAULT 0,
    "npsDetractors" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "KpiBucket_pkey" PRIMARY KEY ("queue","agentId","bucket")
);

-- CreateTable
CREATE TABLE "KpiDirty" (
    "bucket" TIMESTAMP(3) NOT NULL,
    "markedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "KpiDirty_pkey" PRIMARY KEY ("bucket")
);

-- CreateIndex
CREATE INDEX "KpiBucket_bucket_idx" ON "KpiBucket"("bucket");

-- CreateIndex
CREATE INDEX "QueueEntry_enqueuedAt_idx" ON "QueueEntry"("enqueuedAt");
