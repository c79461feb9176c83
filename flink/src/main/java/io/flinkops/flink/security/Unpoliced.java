package io.flinkops.flink.security;

import java.lang.reflect.Method;

import org.apache.flink.table.catalog.CatalogFunction;
import org.apache.flink.table.catalog.FunctionLanguage;
import org.apache.flink.table.operations.Operation;

/**
 * Statements that run code SQL policies cannot police: JARs (ADD JAR, CREATE FUNCTION … USING JAR),
 * Python functions, compiled plans (EXECUTE PLAN) and procedures (CALL). Such code can read any
 * source directly, so for a job under a policy they are refused unless the policies name the job
 * as an explicit exception.
 */
public final class Unpoliced {

    private Unpoliced() {}

    /** Why this statement cannot be policed, or null when it can. */
    public static String reason(Operation op) {
        String name = op.getClass().getSimpleName();
        if (name.equals("AddJarOperation")) {
            return "ADD JAR loads code that data-security policies cannot police (it can read any source);"
                    + " refused for a job under a policy unless the policy lists the job in unpolicedCode";
        }
        if (name.startsWith("ExecutePlan")) {
            return "EXECUTE PLAN runs a compiled plan the policy enforcer never sees; refused for a job under a policy";
        }
        if (name.contains("CallProcedure")) {
            return "CALL runs a procedure that data-security policies cannot police; refused for a job under a policy"
                    + " unless the policy lists the job in unpolicedCode";
        }
        CatalogFunction f = function(op);
        if (f != null) {
            if (f.getFunctionLanguage() == FunctionLanguage.PYTHON) {
                return "the Python function " + f.getClassName() + " is code data-security policies cannot police;"
                        + " refused for a job under a policy unless the policy lists the job in unpolicedCode";
            }
            if (f.getFunctionResources() != null && !f.getFunctionResources().isEmpty()) {
                return "CREATE FUNCTION … USING JAR loads code data-security policies cannot police (it can read any"
                        + " source); refused for a job under a policy unless the policy lists the job in unpolicedCode";
            }
        }
        return null;
    }

    private static CatalogFunction function(Operation op) {
        try {
            Method m = op.getClass().getMethod("getCatalogFunction");
            Object f = m.invoke(op);
            return f instanceof CatalogFunction ? (CatalogFunction) f : null;
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
