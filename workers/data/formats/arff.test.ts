// Weka's ARFF files: the header's columns and classes, quoted values, missing values, and what is refused (with its
// line). Through parseString, as a dropped file is read; the proposal takes the class the file declares.
import { describe, expect, it } from 'vitest';
import { parseString } from '../parse';
import { propose } from '../propose';
import { DataError } from '../parsed';
import { arffFields } from './arff';
import { detectFormat } from './detect';

const iris = `% 1. Title: Iris Plants Database
%
@RELATION iris

@ATTRIBUTE sepallength\tREAL
@ATTRIBUTE 'petal length'\tREAL
@ATTRIBUTE note STRING
@ATTRIBUTE class\t{Iris-setosa,Iris-versicolor,'Iris virginica'}

@DATA
${Array.from({ length: 30 }, (_, i) => `${(5 + (i % 7) / 10).toFixed(1)},${i % 3 === 2 ? '?' : (1 + (i % 3) * 2).toFixed(1)},'seen, on day ${i}',${['Iris-setosa', 'Iris-versicolor', "'Iris virginica'"][i % 3]}`).join('\n')}
`;

describe('ARFF', () => {
  it('splits a row on commas outside quotes, either quote, with escapes', () => {
    expect(arffFields(`1.5, 'a, b' ,"c \\"d\\"",?`)).toEqual(['1.5', 'a, b', 'c "d"', '?']);
  });

  it('reads the columns the header declares, nominal classes as categories, ? as missing, and the class as the target', () => {
    expect(detectFormat('iris.arff', iris).format).toBe('arff');
    expect(detectFormat('iris.txt', iris).format).toBe('arff'); // by its @relation line
    const { parsed, notes } = parseString(iris, 'iris.arff');
    if (parsed.kind !== 'table') throw new Error(parsed.kind);
    expect(parsed.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['sepallength:numeric', 'petal length:numeric', 'note:text', 'class:categorical']);
    expect(parsed.rows).toBe(30);
    expect(parsed.columns[1].missing).toBe(10);
    expect(parsed.columns[2].strings![0]).toBe('seen, on day 0');
    expect(parsed.columns[3].categories!.map((c) => c.value).sort()).toEqual(['Iris virginica', 'Iris-setosa', 'Iris-versicolor']);
    expect(parsed.declaredTarget).toBe('class');
    expect(parsed.lineOfRow[0]).toBe(11);
    expect(notes).toContain('ARFF relation "iris"');
    expect(propose(parsed, 'iris.arff').choice).toMatchObject({ shape: 'many-to-one', input: ['note'], target: 'class' }); // a text and its class
  });

  it('a class written as numbers ({0,1}, EEG Eye State) stays a class, and is what the proposal predicts', () => {
    const eeg = `@RELATION EEG_DATA\n@ATTRIBUTE AF3 NUMERIC\n@ATTRIBUTE F7 NUMERIC\n@ATTRIBUTE eyeDetection {0,1}\n@DATA\n${Array.from({ length: 400 }, (_, i) => `${(4329 + 10 * Math.sin(i / 20)).toFixed(2)},${(4009 + (i % 7)).toFixed(2)},${Math.floor(i / 50) % 2}`).join('\n')}\n`;
    const { parsed } = parseString(eeg, 'EEG Eye State.arff');
    if (parsed.kind !== 'table') throw new Error(parsed.kind);
    expect(parsed.columns[2]).toMatchObject({ type: 'categorical' });
    const p = propose(parsed, 'EEG Eye State.arff');
    expect(p.choice).toMatchObject({ shape: 'one-to-one', target: 'eyeDetection', input: ['AF3', 'F7'] });
    expect(p.reason).toMatch(/the class the file declares/);
  });

  it('refuses what it does not read, naming the line: a row of the wrong width, sparse rows, relational attributes, no @data', () => {
    const bad = (text: string): DataError => {
      try {
        parseString(text, 'x.arff');
      } catch (e) {
        if (e instanceof DataError) return e;
        throw e;
      }
      throw new Error('no error');
    };
    expect(bad('@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n1,2\n3\n').message).toMatch(/x\.arff:6: 1 values on this line, 2 @attribute columns declared/);
    expect(bad('@relation r\n@attribute a numeric\n@data\n{0 1.5}\n').message).toMatch(/x\.arff:4: sparse ARFF rows/);
    expect(bad('@relation r\n@attribute bag relational\n@attribute x numeric\n@end bag\n@data\n').message).toMatch(/x\.arff:2: the relational attribute "bag".*not read/);
    expect(bad('@relation r\n@attribute a numeric\n').message).toMatch(/no @data line/);
  });
});
