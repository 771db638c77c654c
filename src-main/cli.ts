console.log('seqstudio: placeholder')
