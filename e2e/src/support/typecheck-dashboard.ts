import path from 'node:path';
import ts from 'typescript';

const HERE = path.resolve(__dirname);

/**
 * Type-checks a dashboard's JSON against Grafana's schema (`LabDashboard`) as an object literal, so
 * a wrong type, a missing field or an unknown one is a compiler error. The source is virtual: nothing
 * is written to disk. Returns the compiler's messages, empty when the dashboard fits.
 */
export function typecheckDashboard(name: string, json: string): string[] {
  const file = path.join(HERE, `__dashboard_${name.replace(/\W/g, '_')}.ts`);
  const source = `import type { LabDashboard } from './grafana-dashboard';\nexport const dashboard: LabDashboard = ${json};\n`;
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (fileName) => (fileName === file ? source : readFile(fileName));
  host.fileExists = (fileName) => fileName === file || fileExists(fileName);
  host.getSourceFile = (fileName, language, ...rest) =>
    fileName === file
      ? ts.createSourceFile(fileName, source, language)
      : getSourceFile(fileName, language, ...rest);
  const program = ts.createProgram({ rootNames: [file], options, host });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file?.fileName === file)
    .map((diagnostic) => {
      const where = diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      return `${name}:${(where?.line ?? 0) + 1}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
}
