/** A durable {@link dev.nudge.spi.NudgeStore} over plain JDBC: H2, PostgreSQL, MySQL/MariaDB. */
package dev.nudge.store.jdbc;
