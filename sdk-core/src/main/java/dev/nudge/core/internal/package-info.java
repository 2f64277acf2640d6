/** Not API: what other packages of {@code nudge-core} need of the engine. */
package dev.nudge.core.internal;
