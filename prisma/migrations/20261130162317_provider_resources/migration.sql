-- CreateTable
CREATE TABLE "ProviderResource" (
    "provider" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "arn" TEXT NOT NULL,
    "syncedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProviderResource_pkey" PRIMARY KEY ("provider","kind","name")
);

-- CreateIndex
CREATE INDEX "ProviderResource_arn_idx" ON "ProviderResource"("arn");
