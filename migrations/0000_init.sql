CREATE TABLE "challenges" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "challenges_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"owner_id" text NOT NULL,
	"guild_id" text,
	"channel_id" text,
	"thread_id" text,
	"status" text DEFAULT 'open' NOT NULL,
	"title" text NOT NULL,
	"configuration" jsonb NOT NULL,
	"secret_prompt" text,
	"target_image_sha" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "challenges_thread_id_unique" UNIQUE("thread_id"),
	CONSTRAINT "challenges_status" CHECK ("status" in ('open', 'closed'))
);
--> statement-breakpoint
CREATE TABLE "episodes" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "episodes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"run_id" integer NOT NULL,
	"iteration" integer NOT NULL,
	"episode" integer NOT NULL,
	"words" jsonb NOT NULL,
	"prompt" text NOT NULL,
	"rewards" jsonb NOT NULL,
	"episode_return" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "episodes_run_iteration_episode_unique" UNIQUE("run_id","iteration","episode")
);
--> statement-breakpoint
CREATE TABLE "generation_cache" (
	"key" text PRIMARY KEY NOT NULL,
	"image_sha" text NOT NULL,
	"generator" text,
	"model" text NOT NULL,
	"prompt" text,
	"seed" integer,
	"width" integer,
	"height" integer,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "guilds" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"settings" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "human_submissions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "human_submissions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"player_id" text NOT NULL,
	"challenge_id" integer NOT NULL,
	"prompt" text NOT NULL,
	"image_shas" jsonb NOT NULL,
	"mean_similarity" double precision NOT NULL,
	"sd_similarity" double precision NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "images" (
	"sha256" text PRIMARY KEY NOT NULL,
	"mime" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"byte_size" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "images_sha256_hex" CHECK ("images"."sha256" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "players" (
	"id" text PRIMARY KEY NOT NULL,
	"display_name" text NOT NULL,
	"points" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "points_ledger" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "points_ledger_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"player_id" text NOT NULL,
	"guild_id" text,
	"challenge_id" integer,
	"amount" integer NOT NULL,
	"reason" text NOT NULL,
	"dedupe_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "points_ledger_dedupe_key_unique" UNIQUE("dedupe_key"),
	CONSTRAINT "points_ledger_reason" CHECK ("reason" in ('beat-machine', 'best-prompt', 'vote', 'adjustment'))
);
--> statement-breakpoint
CREATE TABLE "prompt_spaces" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "prompt_spaces_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"challenge_id" integer,
	"target_image_sha" text NOT NULL,
	"words" jsonb NOT NULL,
	"probabilities" jsonb NOT NULL,
	"captions" jsonb NOT NULL,
	"captioner_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_evaluations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "run_evaluations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"run_id" integer NOT NULL,
	"method" text NOT NULL,
	"prompt" text NOT NULL,
	"mean_similarity" double precision NOT NULL,
	"sd_similarity" double precision NOT NULL,
	"image_shas" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "run_evaluations_run_method_prompt_unique" UNIQUE("run_id","method","prompt"),
	CONSTRAINT "run_evaluations_method" CHECK ("method" in ('learned', 'greedy', 'caption', 'random', 'exhaustive'))
);
--> statement-breakpoint
CREATE TABLE "run_events" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "run_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"run_id" integer NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "run_events_run_seq_unique" UNIQUE("run_id","seq")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"challenge_id" integer,
	"requested_by" text,
	"target_image_sha" text NOT NULL,
	"prompt_space_id" integer,
	"preset" text NOT NULL,
	"hyperparameters" jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"iteration" integer DEFAULT 0 NOT NULL,
	"checkpoint" jsonb,
	"generations_used" integer DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"error" text,
	"learned_prompt" text,
	"learned_reward" double precision,
	"worker_id" text,
	"heartbeat_at" timestamp with time zone,
	"cancel_requested_at" timestamp with time zone,
	"last_event_seq" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "runs_status" CHECK ("status" in ('queued', 'running', 'completed', 'failed', 'cancelled', 'budget'))
);
--> statement-breakpoint
CREATE TABLE "steps" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "steps_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"run_id" integer NOT NULL,
	"iteration" integer NOT NULL,
	"episode" integer NOT NULL,
	"step" integer NOT NULL,
	"words" jsonb NOT NULL,
	"prompt" text NOT NULL,
	"seed" integer,
	"image_sha" text,
	"similarity" double precision,
	"human_score" double precision,
	"reward" double precision,
	"cached" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "steps_run_iteration_episode_step_unique" UNIQUE("run_id","iteration","episode","step")
);
--> statement-breakpoint
CREATE TABLE "votes" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "votes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"player_id" text NOT NULL,
	"image_sha" text NOT NULL,
	"score" double precision NOT NULL,
	"challenge_id" integer,
	"run_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "votes_player_image_unique" UNIQUE("player_id","image_sha"),
	CONSTRAINT "votes_score_range" CHECK ("votes"."score" >= 0 and "votes"."score" <= 1)
);
--> statement-breakpoint
ALTER TABLE "challenges" ADD CONSTRAINT "challenges_owner_id_players_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."players"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "challenges" ADD CONSTRAINT "challenges_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "challenges" ADD CONSTRAINT "challenges_target_image_sha_images_sha256_fk" FOREIGN KEY ("target_image_sha") REFERENCES "public"."images"("sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "episodes" ADD CONSTRAINT "episodes_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "generation_cache" ADD CONSTRAINT "generation_cache_image_sha_images_sha256_fk" FOREIGN KEY ("image_sha") REFERENCES "public"."images"("sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "human_submissions" ADD CONSTRAINT "human_submissions_player_id_players_id_fk" FOREIGN KEY ("player_id") REFERENCES "public"."players"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "human_submissions" ADD CONSTRAINT "human_submissions_challenge_id_challenges_id_fk" FOREIGN KEY ("challenge_id") REFERENCES "public"."challenges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "points_ledger" ADD CONSTRAINT "points_ledger_player_id_players_id_fk" FOREIGN KEY ("player_id") REFERENCES "public"."players"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "points_ledger" ADD CONSTRAINT "points_ledger_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "points_ledger" ADD CONSTRAINT "points_ledger_challenge_id_challenges_id_fk" FOREIGN KEY ("challenge_id") REFERENCES "public"."challenges"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_spaces" ADD CONSTRAINT "prompt_spaces_challenge_id_challenges_id_fk" FOREIGN KEY ("challenge_id") REFERENCES "public"."challenges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_spaces" ADD CONSTRAINT "prompt_spaces_target_image_sha_images_sha256_fk" FOREIGN KEY ("target_image_sha") REFERENCES "public"."images"("sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_evaluations" ADD CONSTRAINT "run_evaluations_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_challenge_id_challenges_id_fk" FOREIGN KEY ("challenge_id") REFERENCES "public"."challenges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_requested_by_players_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."players"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_target_image_sha_images_sha256_fk" FOREIGN KEY ("target_image_sha") REFERENCES "public"."images"("sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_prompt_space_id_prompt_spaces_id_fk" FOREIGN KEY ("prompt_space_id") REFERENCES "public"."prompt_spaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "steps" ADD CONSTRAINT "steps_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "steps" ADD CONSTRAINT "steps_image_sha_images_sha256_fk" FOREIGN KEY ("image_sha") REFERENCES "public"."images"("sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "votes" ADD CONSTRAINT "votes_player_id_players_id_fk" FOREIGN KEY ("player_id") REFERENCES "public"."players"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "votes" ADD CONSTRAINT "votes_image_sha_images_sha256_fk" FOREIGN KEY ("image_sha") REFERENCES "public"."images"("sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "votes" ADD CONSTRAINT "votes_challenge_id_challenges_id_fk" FOREIGN KEY ("challenge_id") REFERENCES "public"."challenges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "votes" ADD CONSTRAINT "votes_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "challenges_guild_status_idx" ON "challenges" USING btree ("guild_id","status");--> statement-breakpoint
CREATE INDEX "challenges_owner_idx" ON "challenges" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "generation_cache_image_idx" ON "generation_cache" USING btree ("image_sha");--> statement-breakpoint
CREATE INDEX "human_submissions_challenge_idx" ON "human_submissions" USING btree ("challenge_id","mean_similarity");--> statement-breakpoint
CREATE INDEX "human_submissions_player_challenge_idx" ON "human_submissions" USING btree ("player_id","challenge_id","created_at");--> statement-breakpoint
CREATE INDEX "players_points_idx" ON "players" USING btree ("points");--> statement-breakpoint
CREATE INDEX "points_ledger_guild_player_idx" ON "points_ledger" USING btree ("guild_id","player_id");--> statement-breakpoint
CREATE INDEX "points_ledger_player_idx" ON "points_ledger" USING btree ("player_id");--> statement-breakpoint
CREATE INDEX "prompt_spaces_challenge_idx" ON "prompt_spaces" USING btree ("challenge_id");--> statement-breakpoint
CREATE INDEX "runs_status_created_idx" ON "runs" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "runs_challenge_idx" ON "runs" USING btree ("challenge_id");--> statement-breakpoint
CREATE INDEX "runs_requested_by_idx" ON "runs" USING btree ("requested_by","created_at");--> statement-breakpoint
CREATE INDEX "steps_image_idx" ON "steps" USING btree ("image_sha");--> statement-breakpoint
CREATE INDEX "votes_image_updated_idx" ON "votes" USING btree ("image_sha","updated_at");